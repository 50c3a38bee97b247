"""Files on Telegram: photos, documents, videos and voice messages people send (downloaded
on demand, within the size limit) and files the bot forwards (sendPhoto / sendDocument,
multipart upload)."""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.types import BufferedInputFile, Message

from core.attachment_ports import FileTooLarge, read_limited
from core.messages import Attachment, Fetch

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_PHOTO = 10 * 1024 * 1024  # sendPhoto's limit; larger images go as documents
Upload = Callable[[BufferedInputFile], Awaitable[Message]]


def fetcher(bot: Bot, file_id: str) -> Fetch:
    """getFile, then the download — stopped as soon as it passes the limit."""

    async def fetch(limit: int) -> bytes:
        info = await bot.get_file(file_id)
        if info.file_size is not None and info.file_size > limit:
            raise FileTooLarge(info.file_size)
        if not info.file_path:
            raise FileNotFoundError(file_id)
        url = bot.session.api.file_url(bot.token, info.file_path)
        return await read_limited(bot.session.stream_content(url, chunk_size=64 * 1024), limit)

    return fetch


def incoming(bot: Bot, message: Message) -> tuple[Attachment, ...]:
    """The file ``message`` carries — photo (its largest size), document, video, audio, voice
    or video note — not downloaded yet."""
    if message.photo:
        best = message.photo[-1]
        return (Attachment(f"photo_{message.message_id}.jpg", "image/jpeg", best.file_size,
                           fetcher(bot, best.file_id)),)
    mid = message.message_id
    # (file, default name, default type): voice and video notes come without a name.
    media = (
        (message.document, "document", "application/octet-stream"),
        (message.video, f"video_{mid}.mp4", "video/mp4"),
        (message.animation, f"animation_{mid}.mp4", "video/mp4"),
        (message.audio, f"audio_{mid}.mp3", "audio/mpeg"),
        (message.voice, f"voice_{mid}.ogg", "audio/ogg"),
        (message.video_note, f"video_note_{mid}.mp4", "video/mp4"),
    )
    for file, default_name, default_mime in media:
        if file is None:
            continue
        name = getattr(file, "file_name", None) or default_name
        mime = (getattr(file, "mime_type", None) or mimetypes.guess_type(name)[0]
                or default_mime)
        return (Attachment(name, mime, file.file_size, fetcher(bot, file.file_id)),)
    return ()


def is_photo(attachment: Attachment, size: int) -> bool:
    return attachment.mime in PHOTO_TYPES and size <= MAX_PHOTO


async def upload(bot: Bot, chat_id: int, attachment: Attachment, data: bytes) -> Message:
    """Send one stored file: a photo when Telegram shows it as one, else a document."""
    file = BufferedInputFile(data, filename=attachment.name)
    if is_photo(attachment, len(data)):
        return await bot.send_photo(chat_id=chat_id, photo=file)
    return await bot.send_document(chat_id=chat_id, document=file)
