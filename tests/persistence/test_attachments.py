"""The attachment stores: local files by content hash, metadata on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from persistence.attachments import LocalFileStore, SqlAttachmentIndex
from persistence.db import make_engine, make_sessionmaker
from persistence.migrate import upgrade
from persistence.uow import uow_factory
from tests.persistence.test_repositories import AT, new_request, seed


async def test_local_store_names_files_by_content(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    key = await store.put(b"hello")
    assert await store.put(b"hello") == key
    assert await store.read(key) == b"hello"
    assert len(list((tmp_path / "files").rglob("*.bin"))) == 1
    await store.delete(key)
    await store.delete(key)  # gone already: no error
    with pytest.raises(FileNotFoundError):
        await store.read(key)
    with pytest.raises(FileNotFoundError):
        await store.read("../../etc/passwd")


async def test_index_on_both_databases(db_url: str) -> None:
    engine = make_engine(db_url)
    await upgrade(engine)
    try:
        uows = uow_factory(make_sessionmaker(engine))
        ion_id, _ana, _bogdan, type_id = await seed(uows)
        req = await new_request(uows, ion_id, type_id)
        index = SqlAttachmentIndex(make_sessionmaker(engine))
        first = await index.add(request_id=req.id, uploader_id=ion_id, name="a.jpg",
                                mime="image/jpeg", size=10, key="ab" * 32, at=AT)
        second = await index.add(request_id=req.id, uploader_id=ion_id, name="b.pdf",
                                 mime="application/pdf", size=20, key="cd" * 32, at=AT)
        assert await index.get(first.id) == first
        assert first.created_at == AT
        assert [a.name for a in await index.for_request(req.id)] == ["a.jpg", "b.pdf"]
        assert await index.uses("ab" * 32) == 1 and await index.uses("ef" * 32) == 0
        await index.remove(first.id)
        assert await index.for_request(req.id) == [second]
        assert await index.get(first.id) is None
    finally:
        await engine.dispose()
