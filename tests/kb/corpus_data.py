# ruff: noqa: E501  (data: one article per line where the words are long)
"""The test corpus of the knowledge base: 40 support topics, each written in English,
Romanian, Portuguese, Polish and Russian (200 articles), and 50 queries worded differently
from the titles. Written for the tests (``tests/kb/corpus.py`` turns them into files)."""

from __future__ import annotations

# topic -> language -> (title, tags, body)
TOPICS: dict[str, dict[str, tuple[str, str, str]]] = {
    "printer-jam": {
        "en": ("The printer reports a paper jam", "printer, paper",
               "Open the front cover and tray 2, pull the stuck sheet out slowly with both "
               "hands and close the covers. Fan the paper stack before putting it back."),
        "ro": ("Imprimanta raportează hârtie blocată", "imprimantă, hârtie",
               "Deschideți capacul frontal și tava 2, scoateți încet foaia blocată cu ambele "
               "mâini și închideți capacele. Răsfoiți topul de hârtie înainte de a-l pune la loc."),
        "pt": ("A impressora indica papel encravado", "impressora, papel",
               "Abra a tampa frontal e a bandeja 2, retire devagar a folha presa com as duas "
               "mãos e feche as tampas. Folheie a resma antes de a recolocar."),
        "pl": ("Drukarka zgłasza zacięcie papieru", "drukarka, papier",
               "Otwórz przednią pokrywę i podajnik 2, powoli wyciągnij zaciętą kartkę obiema "
               "rękami i zamknij pokrywy. Przekartkuj ryzę papieru przed włożeniem."),
        "ru": ("Принтер сообщает о замятии бумаги", "принтер, бумага",
               "Откройте переднюю крышку и лоток 2, медленно вытащите застрявший лист обеими "
               "руками и закройте крышки. Распушите пачку бумаги перед тем, как вставить её."),
    },
    "printer-offline": {
        "en": ("Printer shows as offline", "printer, network",
               "Check that the printer is switched on and its network cable is plugged in. "
               "Remove the print queue entries that are stuck and add the printer again."),
        "ro": ("Imprimanta apare offline", "imprimantă, rețea",
               "Verificați că imprimanta este pornită și cablul de rețea este conectat. "
               "Ștergeți lucrările blocate din coada de tipărire și adăugați din nou imprimanta."),
        "pt": ("A impressora aparece offline", "impressora, rede",
               "Verifique se a impressora está ligada e o cabo de rede está ligado. Apague os "
               "trabalhos presos na fila de impressão e adicione a impressora outra vez."),
        "pl": ("Drukarka jest w trybie offline", "drukarka, sieć",
               "Sprawdź, czy drukarka jest włączona i czy kabel sieciowy jest podłączony. Usuń "
               "zawieszone zadania z kolejki wydruku i dodaj drukarkę ponownie."),
        "ru": ("Принтер отображается как отключённый", "принтер, сеть",
               "Проверьте, что принтер включён и сетевой кабель подключён. Удалите зависшие "
               "задания из очереди печати и добавьте принтер заново."),
    },
    "printer-toner": {
        "en": ("Prints are faded: replacing the toner", "printer, toner, cartridge",
               "Pale or streaky pages mean the toner cartridge is nearly empty. Take a new "
               "cartridge from the supply cupboard, shake it and slide it in until it clicks."),
        "ro": ("Tipărire ștearsă: înlocuirea tonerului", "imprimantă, toner, cartuș",
               "Paginile palide sau cu dungi înseamnă că tonerul este aproape gol. Luați un "
               "cartuș nou din dulapul cu consumabile, agitați-l și introduceți-l până face clic."),
        "pt": ("Impressões desbotadas: trocar o toner", "impressora, toner, cartucho",
               "Páginas pálidas ou com riscas indicam que o toner está quase vazio. Tire um "
               "cartucho novo do armário de consumíveis, agite-o e encaixe-o até fazer clique."),
        "pl": ("Blady wydruk: wymiana tonera", "drukarka, toner, kaseta",
               "Blade lub smugowe strony oznaczają, że toner jest prawie pusty. Weź nową kasetę "
               "z szafy z materiałami, potrząśnij nią i wsuń do kliknięcia."),
        "ru": ("Бледная печать: замена тонера", "принтер, тонер, картридж",
               "Бледные или полосатые страницы означают, что тонер почти закончился. Возьмите "
               "новый картридж в шкафу с расходниками, встряхните и вставьте до щелчка."),
    },
    "scan-to-email": {
        "en": ("Scan to e-mail does not arrive", "scanner, scan, e-mail",
               "The multifunction device sends scans only to company addresses. Check the "
               "address you typed and look in the junk folder; large scans are split into parts."),
        "ro": ("Scanarea pe e-mail nu ajunge", "scaner, scanare, e-mail",
               "Echipamentul multifuncțional trimite scanările doar la adrese ale companiei. "
               "Verificați adresa scrisă și căutați în dosarul de spam."),
        "pt": ("A digitalização para e-mail não chega", "scanner, digitalização, e-mail",
               "O equipamento multifunções só envia digitalizações para endereços da empresa. "
               "Confirme o endereço escrito e procure na pasta de lixo eletrónico."),
        "pl": ("Skan na e-mail nie dociera", "skaner, skanowanie, e-mail",
               "Urządzenie wielofunkcyjne wysyła skany tylko na adresy firmowe. Sprawdź wpisany "
               "adres i zajrzyj do folderu spam."),
        "ru": ("Скан на почту не приходит", "сканер, сканирование, почта",
               "Многофункциональное устройство отправляет сканы только на корпоративные адреса. "
               "Проверьте введённый адрес и посмотрите папку «Спам»."),
    },
    "vpn-connect": {
        "en": ("VPN will not connect from home", "vpn, remote, home",
               "Make sure your internet works, then open the VPN client and sign in with your "
               "company account. If it says the certificate is invalid, restart the laptop."),
        "ro": ("VPN-ul nu se conectează de acasă", "vpn, la distanță, acasă",
               "Asigurați-vă că internetul funcționează, apoi deschideți clientul VPN și "
               "autentificați-vă cu contul companiei. Dacă spune că certificatul nu este valid, "
               "reporniți laptopul."),
        "pt": ("A VPN não liga a partir de casa", "vpn, remoto, casa",
               "Confirme que a internet funciona, abra o cliente VPN e entre com a conta da "
               "empresa. Se disser que o certificado é inválido, reinicie o portátil."),
        "pl": ("VPN nie łączy się z domu", "vpn, zdalnie, dom",
               "Upewnij się, że internet działa, otwórz klienta VPN i zaloguj się kontem "
               "firmowym. Jeśli pojawi się błąd certyfikatu, uruchom laptop ponownie."),
        "ru": ("VPN не подключается из дома", "vpn, удалённо, дом",
               "Убедитесь, что интернет работает, откройте VPN-клиент и войдите под рабочей "
               "учётной записью. Если пишет, что сертификат недействителен, перезагрузите ноутбук."),
    },
    "vpn-drops": {
        "en": ("VPN keeps disconnecting", "vpn, disconnect, unstable",
               "Frequent drops are usually caused by weak Wi-Fi. Move closer to the router or use "
               "a cable, and switch the VPN client to the TCP protocol in its settings."),
        "ro": ("VPN-ul se deconectează mereu", "vpn, deconectare, instabil",
               "Întreruperile dese sunt cauzate de obicei de un semnal Wi-Fi slab. Apropiați-vă "
               "de router sau folosiți cablu și treceți clientul VPN pe protocolul TCP."),
        "pt": ("A VPN desliga-se constantemente", "vpn, quebra, instável",
               "As quebras frequentes são normalmente causadas por Wi-Fi fraco. Aproxime-se do "
               "router ou use cabo e mude o cliente VPN para o protocolo TCP."),
        "pl": ("VPN ciągle się rozłącza", "vpn, rozłączanie, niestabilny",
               "Częste zrywanie połączenia zwykle wynika ze słabego Wi-Fi. Podejdź bliżej "
               "routera lub użyj kabla i przełącz klienta VPN na protokół TCP."),
        "ru": ("VPN постоянно отключается", "vpn, обрыв, нестабильно",
               "Частые обрывы обычно вызваны слабым Wi-Fi. Подойдите ближе к роутеру или "
               "подключите кабель и переключите VPN-клиент на протокол TCP."),
    },
    "password-forgot": {
        "en": ("I forgot my password", "password, reset, login",
               "Open the self-service portal, choose Forgot password and enter the code sent to "
               "your mobile phone. Pick a new password of at least 12 characters."),
        "ro": ("Mi-am uitat parola", "parolă, resetare, autentificare",
               "Deschideți portalul de autoservire, alegeți Am uitat parola și introduceți "
               "codul primit pe telefonul mobil. Alegeți o parolă nouă de cel puțin 12 caractere."),
        "pt": ("Esqueci-me da palavra-passe", "palavra-passe, senha, redefinir",
               "Abra o portal de autosserviço, escolha Esqueci a senha e introduza o código "
               "enviado para o telemóvel. Escolha uma palavra-passe nova com pelo menos 12 caracteres."),
        "pl": ("Nie pamiętam hasła", "hasło, reset, logowanie",
               "Otwórz portal samoobsługowy, wybierz Nie pamiętam hasła i wpisz kod wysłany na "
               "telefon komórkowy. Ustaw nowe hasło o długości co najmniej 12 znaków."),
        "ru": ("Я забыл пароль", "пароль, сброс, вход",
               "Откройте портал самообслуживания, выберите «Забыли пароль» и введите код из SMS "
               "на мобильный телефон. Придумайте новый пароль не короче 12 символов."),
    },
    "password-expired": {
        "en": ("Your password has expired: how to change it", "password, expired, change",
               "Passwords expire every 90 days. Press Ctrl+Alt+Del, choose Change a password, "
               "type the old one and the new one twice; then lock and unlock the laptop."),
        "ro": ("Parola a expirat: cum o schimbați", "parolă, expirată, schimbare",
               "Parolele expiră la fiecare 90 de zile. Apăsați Ctrl+Alt+Del, alegeți Schimbare "
               "parolă, scrieți parola veche și de două ori pe cea nouă."),
        "pt": ("A palavra-passe expirou: como alterá-la", "palavra-passe, expirada, alterar",
               "As palavras-passe expiram a cada 90 dias. Prima Ctrl+Alt+Del, escolha Alterar "
               "palavra-passe, escreva a antiga e duas vezes a nova."),
        "pl": ("Hasło wygasło: jak je zmienić", "hasło, wygasło, zmiana",
               "Hasła wygasają co 90 dni. Naciśnij Ctrl+Alt+Del, wybierz Zmień hasło, wpisz "
               "stare hasło i dwa razy nowe."),
        "ru": ("Срок действия пароля истёк: как сменить", "пароль, истёк, смена",
               "Пароли истекают каждые 90 дней. Нажмите Ctrl+Alt+Del, выберите «Изменить "
               "пароль», введите старый и дважды новый."),
    },
    "account-locked": {
        "en": ("Account locked after too many attempts", "account, locked, login",
               "After five wrong passwords the account is locked for 30 minutes. Wait, or ask "
               "the helpdesk to unlock it; check that Caps Lock is off."),
        "ro": ("Cont blocat după prea multe încercări", "cont, blocat, autentificare",
               "După cinci parole greșite contul se blochează pentru 30 de minute. Așteptați sau "
               "cereți deblocarea; verificați că tasta Caps Lock nu este activă."),
        "pt": ("Conta bloqueada após demasiadas tentativas", "conta, bloqueada, acesso",
               "Após cinco palavras-passe erradas a conta fica bloqueada durante 30 minutos. "
               "Aguarde ou peça o desbloqueio; confirme que o Caps Lock está desligado."),
        "pl": ("Konto zablokowane po zbyt wielu próbach", "konto, zablokowane, logowanie",
               "Po pięciu błędnych hasłach konto blokuje się na 30 minut. Poczekaj lub poproś o "
               "odblokowanie; sprawdź, czy Caps Lock jest wyłączony."),
        "ru": ("Учётная запись заблокирована после неудачных попыток", "учётная запись, блокировка",
               "После пяти неверных паролей учётная запись блокируется на 30 минут. Подождите "
               "или попросите разблокировать; проверьте, что Caps Lock выключен."),
    },
    "mfa-new-phone": {
        "en": ("Two-factor authentication on a new phone", "mfa, authenticator, phone",
               "Before resetting the old phone, open the authenticator app and move the account. "
               "If the old phone is gone, the helpdesk must reset your sign-in methods."),
        "ro": ("Autentificarea în doi pași pe un telefon nou", "mfa, autentificator, telefon",
               "Înainte de a reseta telefonul vechi, deschideți aplicația de autentificare și "
               "mutați contul. Dacă telefonul vechi nu mai există, metodele se resetează de helpdesk."),
        "pt": ("Autenticação de dois fatores num telemóvel novo", "mfa, autenticador, telemóvel",
               "Antes de repor o telemóvel antigo, abra a aplicação autenticadora e transfira a "
               "conta. Se o telemóvel antigo desapareceu, o suporte repõe os métodos de entrada."),
        "pl": ("Uwierzytelnianie dwuskładnikowe na nowym telefonie", "mfa, aplikacja, telefon",
               "Przed zresetowaniem starego telefonu otwórz aplikację uwierzytelniającą i "
               "przenieś konto. Jeśli starego telefonu nie ma, helpdesk resetuje metody logowania."),
        "ru": ("Двухфакторная аутентификация на новом телефоне", "mfa, аутентификатор, телефон",
               "Перед сбросом старого телефона откройте приложение-аутентификатор и перенесите "
               "учётную запись. Если старого телефона нет, служба поддержки сбросит способы входа."),
    },
    "email-on-phone": {
        "en": ("Setting up work e-mail on your phone", "e-mail, mail, phone, mobile",
               "Install the Outlook app from the store, add your company address and approve "
               "the sign-in. The app asks to protect work data with a PIN."),
        "ro": ("Configurarea e-mailului de serviciu pe telefon", "e-mail, poștă, telefon, mobil",
               "Instalați aplicația Outlook din magazin, adăugați adresa companiei și aprobați "
               "autentificarea. Aplicația cere un PIN pentru datele de serviciu."),
        "pt": ("Configurar o e-mail do trabalho no telemóvel", "e-mail, correio, telemóvel",
               "Instale a aplicação Outlook da loja, adicione o endereço da empresa e aprove a "
               "entrada. A aplicação pede um PIN para proteger os dados de trabalho."),
        "pl": ("Konfiguracja służbowej poczty na telefonie", "e-mail, poczta, telefon, komórka",
               "Zainstaluj aplikację Outlook ze sklepu, dodaj adres firmowy i zatwierdź "
               "logowanie. Aplikacja poprosi o PIN chroniący dane służbowe."),
        "ru": ("Настройка рабочей почты на телефоне", "почта, e-mail, телефон",
               "Установите приложение Outlook из магазина, добавьте корпоративный адрес и "
               "подтвердите вход. Приложение попросит PIN-код для защиты рабочих данных."),
    },
    "mailbox-full": {
        "en": ("Mailbox full: cannot send or receive", "e-mail, mailbox, quota, storage",
               "Your mailbox has a 50 GB quota. Empty Deleted Items, move old messages with big "
               "attachments to the archive, and the mailbox works again within minutes."),
        "ro": ("Căsuța poștală este plină", "e-mail, căsuță, cotă, spațiu",
               "Căsuța are o cotă de 50 GB. Goliți Elementele șterse, mutați mesajele vechi cu "
               "atașamente mari în arhivă și căsuța funcționează din nou în câteva minute."),
        "pt": ("Caixa de correio cheia", "e-mail, caixa, quota, espaço",
               "A caixa de correio tem uma quota de 50 GB. Esvazie os Itens eliminados, mova "
               "mensagens antigas com anexos grandes para o arquivo."),
        "pl": ("Skrzynka pocztowa jest pełna", "e-mail, skrzynka, limit, miejsce",
               "Skrzynka ma limit 50 GB. Opróżnij Elementy usunięte, przenieś stare wiadomości z "
               "dużymi załącznikami do archiwum i po kilku minutach poczta działa."),
        "ru": ("Почтовый ящик переполнен", "почта, ящик, квота, место",
               "У почтового ящика квота 50 ГБ. Очистите «Удалённые», перенесите старые письма с "
               "большими вложениями в архив, и через несколько минут почта заработает."),
    },
    "phishing": {
        "en": ("Reporting a suspicious e-mail (phishing)", "e-mail, phishing, spam, security",
               "Do not click links or open attachments. Use the Report message button in "
               "Outlook; if you already entered your password, change it at once."),
        "ro": ("Raportarea unui e-mail suspect (phishing)", "e-mail, phishing, spam, securitate",
               "Nu dați clic pe linkuri și nu deschideți atașamentele. Folosiți butonul Raportare "
               "mesaj din Outlook; dacă v-ați introdus parola, schimbați-o imediat."),
        "pt": ("Comunicar um e-mail suspeito (phishing)", "e-mail, phishing, spam, segurança",
               "Não clique em ligações nem abra anexos. Use o botão Comunicar mensagem no "
               "Outlook; se já introduziu a palavra-passe, altere-a de imediato."),
        "pl": ("Zgłaszanie podejrzanej wiadomości (phishing)", "e-mail, phishing, spam, bezpieczeństwo",
               "Nie klikaj linków i nie otwieraj załączników. Użyj przycisku Zgłoś wiadomość w "
               "Outlooku; jeśli podałeś hasło, natychmiast je zmień."),
        "ru": ("Как сообщить о подозрительном письме (фишинг)", "почта, фишинг, спам, безопасность",
               "Не переходите по ссылкам и не открывайте вложения. Нажмите «Сообщить о письме» в "
               "Outlook; если вы уже ввели пароль, сразу смените его."),
    },
    "out-of-office": {
        "en": ("Turning on automatic replies (out of office)", "e-mail, holiday, absence",
               "In Outlook choose File, Automatic Replies, write one message for colleagues and "
               "one for outside senders, and set the dates of your holiday."),
        "ro": ("Activarea răspunsurilor automate (absență)", "e-mail, concediu, absență",
               "În Outlook alegeți Fișier, Răspunsuri automate, scrieți un mesaj pentru colegi și "
               "unul pentru exterior și setați datele concediului."),
        "pt": ("Ativar respostas automáticas (ausência)", "e-mail, férias, ausência",
               "No Outlook escolha Ficheiro, Respostas automáticas, escreva uma mensagem para "
               "colegas e outra para remetentes externos e defina as datas das férias."),
        "pl": ("Włączanie odpowiedzi automatycznych (poza biurem)", "e-mail, urlop, nieobecność",
               "W Outlooku wybierz Plik, Odpowiedzi automatyczne, napisz wiadomość dla "
               "współpracowników i dla osób z zewnątrz oraz ustaw daty urlopu."),
        "ru": ("Автоответ на время отсутствия", "почта, отпуск, отсутствие",
               "В Outlook выберите «Файл», «Автоматические ответы», напишите сообщение для "
               "коллег и для внешних отправителей и укажите даты отпуска."),
    },
    "wifi-office": {
        "en": ("Cannot connect to the office Wi-Fi", "wifi, wireless, network",
               "Choose the CORP network, sign in with your company account and accept the "
               "certificate. If it fails, forget the network and join it again."),
        "ro": ("Nu mă pot conecta la rețeaua Wi-Fi din birou", "wifi, wireless, rețea",
               "Alegeți rețeaua CORP, autentificați-vă cu contul companiei și acceptați "
               "certificatul. Dacă nu merge, uitați rețeaua și conectați-vă din nou."),
        "pt": ("Não consigo ligar ao Wi-Fi do escritório", "wifi, sem fios, rede",
               "Escolha a rede CORP, entre com a conta da empresa e aceite o certificado. Se "
               "falhar, esqueça a rede e ligue-se novamente."),
        "pl": ("Nie mogę połączyć się z biurowym Wi-Fi", "wifi, sieć bezprzewodowa",
               "Wybierz sieć CORP, zaloguj się kontem firmowym i zaakceptuj certyfikat. Jeśli się "
               "nie uda, zapomnij sieć i połącz się ponownie."),
        "ru": ("Не удаётся подключиться к офисному Wi-Fi", "wifi, беспроводная сеть",
               "Выберите сеть CORP, войдите под рабочей учётной записью и примите сертификат. "
               "Если не получается, забудьте сеть и подключитесь снова."),
    },
    "wifi-guest": {
        "en": ("Guest Wi-Fi for visitors", "wifi, guest, visitor",
               "Visitors use the GUEST network. Reception prints a voucher with a code valid "
               "for one day; give it to your visitor on arrival."),
        "ro": ("Wi-Fi pentru oaspeți și vizitatori", "wifi, oaspeți, vizitator",
               "Vizitatorii folosesc rețeaua GUEST. Recepția tipărește un voucher cu un cod "
               "valabil o zi; dați-l vizitatorului la sosire."),
        "pt": ("Wi-Fi para convidados e visitantes", "wifi, convidado, visitante",
               "Os visitantes usam a rede GUEST. A receção imprime um voucher com um código "
               "válido por um dia; entregue-o ao visitante à chegada."),
        "pl": ("Wi-Fi dla gości", "wifi, gość, odwiedzający",
               "Goście korzystają z sieci GUEST. Recepcja drukuje voucher z kodem ważnym jeden "
               "dzień; przekaż go gościowi po przyjeździe."),
        "ru": ("Гостевой Wi-Fi для посетителей", "wifi, гость, посетитель",
               "Посетители используют сеть GUEST. На ресепшене распечатают ваучер с кодом на "
               "один день; передайте его гостю по прибытии."),
    },
    "invoice-copy": {
        "en": ("Getting a copy of an invoice", "invoice, billing, copy",
               "Every invoice is in the customer portal under Billing, Invoices, as a PDF. "
               "Choose the month and press Download; older invoices are kept for ten years."),
        "ro": ("Obținerea unei copii a facturii", "factură, facturare, copie",
               "Fiecare factură se găsește în portalul clienților la Facturare, Facturi, în "
               "format PDF. Alegeți luna și apăsați Descărcare."),
        "pt": ("Obter uma segunda via da fatura", "fatura, faturação, cópia",
               "Todas as faturas estão no portal do cliente em Faturação, Faturas, em PDF. "
               "Escolha o mês e carregue em Transferir."),
        "pl": ("Jak pobrać kopię faktury", "faktura, rozliczenia, kopia",
               "Każda faktura jest w portalu klienta w sekcji Rozliczenia, Faktury, jako PDF. "
               "Wybierz miesiąc i naciśnij Pobierz."),
        "ru": ("Как получить копию счёта", "счёт, оплата, копия",
               "Все счета есть в личном кабинете клиента в разделе «Оплата», «Счета» в формате "
               "PDF. Выберите месяц и нажмите «Скачать»."),
    },
    "invoice-wrong": {
        "en": ("The amount on my invoice is wrong", "invoice, billing, correction, amount",
               "Compare the invoice with your contract and the usage report. If a line is "
               "wrong, reply with the invoice number and the line; a credit note follows."),
        "ro": ("Suma de pe factură este greșită", "factură, corecție, sumă",
               "Comparați factura cu contractul și raportul de consum. Dacă o linie este "
               "greșită, trimiteți numărul facturii și linia; urmează o notă de credit."),
        "pt": ("O valor da fatura está errado", "fatura, correção, valor",
               "Compare a fatura com o contrato e o relatório de consumo. Se uma linha estiver "
               "errada, indique o número da fatura e a linha; segue uma nota de crédito."),
        "pl": ("Kwota na fakturze jest błędna", "faktura, korekta, kwota",
               "Porównaj fakturę z umową i raportem zużycia. Jeśli pozycja jest błędna, podaj "
               "numer faktury i pozycję; wystawimy fakturę korygującą."),
        "ru": ("В счёте неверная сумма", "счёт, исправление, сумма",
               "Сравните счёт с договором и отчётом о потреблении. Если строка неверна, укажите "
               "номер счёта и строку; мы выставим корректировочный документ."),
    },
    "payment-card": {
        "en": ("Updating the card used for payments", "payment, card, billing",
               "In the customer portal open Billing, Payment methods, add the new card and make "
               "it the default. The old card is removed after the next successful charge."),
        "ro": ("Actualizarea cardului folosit la plată", "plată, card, facturare",
               "În portalul clienților deschideți Facturare, Metode de plată, adăugați cardul "
               "nou și setați-l implicit."),
        "pt": ("Atualizar o cartão de pagamento", "pagamento, cartão, faturação",
               "No portal do cliente abra Faturação, Métodos de pagamento, adicione o cartão "
               "novo e defina-o como predefinido."),
        "pl": ("Zmiana karty płatniczej", "płatność, karta, rozliczenia",
               "W portalu klienta otwórz Rozliczenia, Metody płatności, dodaj nową kartę i "
               "ustaw ją jako domyślną."),
        "ru": ("Смена банковской карты для оплаты", "оплата, карта, платёж",
               "В личном кабинете откройте «Оплата», «Способы оплаты», добавьте новую карту и "
               "сделайте её основной."),
    },
    "computer-slow": {
        "en": ("The computer is very slow", "laptop, performance, slow",
               "Restart it (not just close the lid), let pending updates finish, and close "
               "browser tabs you do not need. Check free disk space: keep at least 10 GB."),
        "ro": ("Calculatorul merge foarte greu", "laptop, performanță, lent",
               "Reporniți-l (nu doar închideți capacul), lăsați actualizările să se termine și "
               "închideți filele de browser inutile. Păstrați cel puțin 10 GB liberi pe disc."),
        "pt": ("O computador está muito lento", "portátil, desempenho, lento",
               "Reinicie-o (não basta fechar a tampa), deixe terminar as atualizações e feche os "
               "separadores do navegador. Mantenha pelo menos 10 GB livres no disco."),
        "pl": ("Komputer działa bardzo wolno", "laptop, wydajność, wolny",
               "Uruchom go ponownie (nie tylko zamknij klapę), pozwól dokończyć aktualizacje i "
               "zamknij zbędne karty przeglądarki. Zostaw co najmniej 10 GB wolnego miejsca."),
        "ru": ("Компьютер сильно тормозит", "ноутбук, производительность, медленно",
               "Перезагрузите его (а не просто закройте крышку), дайте завершиться обновлениям и "
               "закройте лишние вкладки браузера. Оставьте на диске не меньше 10 ГБ."),
    },
    "laptop-battery": {
        "en": ("Laptop battery drains fast or does not charge", "laptop, battery, charger",
               "Use the original charger and check the charging light. If the battery lasts "
               "under two hours, ask for a battery test; a replacement takes a day."),
        "ro": ("Bateria laptopului se descarcă repede sau nu se încarcă", "laptop, baterie, încărcător",
               "Folosiți încărcătorul original și verificați led-ul de încărcare. Dacă bateria "
               "ține sub două ore, cereți un test al bateriei."),
        "pt": ("A bateria do portátil descarrega depressa ou não carrega", "portátil, bateria, carregador",
               "Use o carregador original e verifique a luz de carga. Se a bateria durar menos "
               "de duas horas, peça um teste à bateria."),
        "pl": ("Bateria laptopa szybko się rozładowuje lub nie ładuje", "laptop, bateria, ładowarka",
               "Używaj oryginalnej ładowarki i sprawdź diodę ładowania. Jeśli bateria trzyma "
               "krócej niż dwie godziny, poproś o test baterii."),
        "ru": ("Аккумулятор ноутбука быстро садится или не заряжается", "ноутбук, батарея, зарядка",
               "Используйте оригинальное зарядное устройство и проверьте индикатор зарядки. Если "
               "батареи хватает меньше чем на два часа, попросите проверить аккумулятор."),
    },
    "monitor-no-signal": {
        "en": ("Second monitor says no signal", "monitor, screen, display, docking",
               "Check both ends of the HDMI or DisplayPort cable and the docking station power. "
               "Press Windows+P and choose Extend to use both screens."),
        "ro": ("Al doilea monitor afișează fără semnal", "monitor, ecran, afișaj, stație",
               "Verificați ambele capete ale cablului HDMI sau DisplayPort și alimentarea stației "
               "de andocare. Apăsați Windows+P și alegeți Extindere."),
        "pt": ("O segundo monitor diz sem sinal", "monitor, ecrã, docking",
               "Verifique as duas pontas do cabo HDMI ou DisplayPort e a alimentação da estação "
               "de ancoragem. Prima Windows+P e escolha Expandir."),
        "pl": ("Drugi monitor pokazuje brak sygnału", "monitor, ekran, stacja dokująca",
               "Sprawdź oba końce kabla HDMI lub DisplayPort i zasilanie stacji dokującej. "
               "Naciśnij Windows+P i wybierz Rozszerz."),
        "ru": ("Второй монитор пишет «нет сигнала»", "монитор, экран, док-станция",
               "Проверьте оба конца кабеля HDMI или DisplayPort и питание док-станции. Нажмите "
               "Windows+P и выберите «Расширить»."),
    },
    "mouse-keyboard": {
        "en": ("Wireless mouse or keyboard stopped working", "mouse, keyboard, wireless",
               "Replace the batteries first. Plug the USB receiver into another port, or pair "
               "the device again with the button underneath."),
        "ro": ("Mouse-ul sau tastatura fără fir nu mai funcționează", "mouse, tastatură, fără fir",
               "Înlocuiți mai întâi bateriile. Mutați receptorul USB în alt port sau "
               "împerecheați din nou dispozitivul cu butonul de dedesubt."),
        "pt": ("O rato ou teclado sem fios deixou de funcionar", "rato, teclado, sem fios",
               "Troque primeiro as pilhas. Ligue o recetor USB noutra porta ou emparelhe de novo "
               "o dispositivo com o botão por baixo."),
        "pl": ("Bezprzewodowa mysz lub klawiatura przestała działać", "mysz, klawiatura, bezprzewodowa",
               "Najpierw wymień baterie. Podłącz odbiornik USB do innego portu albo sparuj "
               "urządzenie ponownie przyciskiem od spodu."),
        "ru": ("Беспроводная мышь или клавиатура перестала работать", "мышь, клавиатура, беспроводная",
               "Сначала замените батарейки. Вставьте USB-приёмник в другой порт или заново "
               "выполните сопряжение кнопкой снизу."),
    },
    "headset-mic": {
        "en": ("Headset microphone not heard in calls", "headset, microphone, audio, calls",
               "In the call's device settings choose the headset as microphone and speaker. "
               "Check the mute switch on the headset cable."),
        "ro": ("Microfonul căștilor nu se aude în apeluri", "căști, microfon, audio, apeluri",
               "În setările dispozitivelor apelului alegeți căștile ca microfon și difuzor. "
               "Verificați comutatorul de mute de pe cablu."),
        "pt": ("O microfone dos auscultadores não se ouve nas chamadas", "auscultadores, microfone, áudio",
               "Nas definições de dispositivos da chamada escolha os auscultadores como "
               "microfone e altifalante. Verifique o interruptor de silêncio no cabo."),
        "pl": ("Mikrofon w słuchawkach nie działa podczas rozmów", "słuchawki, mikrofon, dźwięk",
               "W ustawieniach urządzeń rozmowy wybierz słuchawki jako mikrofon i głośnik. "
               "Sprawdź przełącznik wyciszenia na kablu."),
        "ru": ("Микрофон гарнитуры не слышно в звонках", "гарнитура, микрофон, звук",
               "В настройках устройств звонка выберите гарнитуру как микрофон и динамик. "
               "Проверьте переключатель отключения звука на кабеле."),
    },
    "camera-meeting": {
        "en": ("Camera does not work in video meetings", "camera, webcam, video, meeting",
               "Close other apps that may use the camera, open the privacy settings and allow "
               "camera access, then choose the right camera in the meeting."),
        "ro": ("Camera nu funcționează în ședințele video", "cameră, webcam, video, ședință",
               "Închideți alte aplicații care folosesc camera, permiteți accesul la cameră din "
               "setările de confidențialitate și alegeți camera corectă în ședință."),
        "pt": ("A câmara não funciona nas reuniões por vídeo", "câmara, webcam, vídeo, reunião",
               "Feche outras aplicações que usem a câmara, permita o acesso nas definições de "
               "privacidade e escolha a câmara certa na reunião."),
        "pl": ("Kamera nie działa na spotkaniach wideo", "kamera, webcam, wideo, spotkanie",
               "Zamknij inne aplikacje używające kamery, zezwól na dostęp w ustawieniach "
               "prywatności i wybierz właściwą kamerę w spotkaniu."),
        "ru": ("Камера не работает на видеовстречах", "камера, веб-камера, видео, встреча",
               "Закройте другие программы, использующие камеру, разрешите доступ в настройках "
               "конфиденциальности и выберите нужную камеру во встрече."),
    },
    "software-install": {
        "en": ("Installing new software", "software, install, application, licence",
               "Approved programs are in the Software Center: open it, find the program and "
               "press Install. Anything else needs a request with the licence cost approved."),
        "ro": ("Instalarea unui program nou", "software, instalare, aplicație, licență",
               "Programele aprobate sunt în Software Center: deschideți-l, căutați programul și "
               "apăsați Instalare. Altele necesită o cerere cu costul licenței aprobat."),
        "pt": ("Instalar um programa novo", "software, instalação, aplicação, licença",
               "Os programas aprovados estão no Software Center: abra-o, procure o programa e "
               "carregue em Instalar. Os restantes exigem um pedido com a licença aprovada."),
        "pl": ("Instalacja nowego oprogramowania", "oprogramowanie, instalacja, program, licencja",
               "Zatwierdzone programy są w Software Center: otwórz go, znajdź program i naciśnij "
               "Zainstaluj. Inne wymagają zgłoszenia z zatwierdzonym kosztem licencji."),
        "ru": ("Установка новой программы", "программа, установка, приложение, лицензия",
               "Одобренные программы есть в Software Center: откройте его, найдите программу и "
               "нажмите «Установить». Остальное — по заявке с согласованной лицензией."),
    },
    "windows-update": {
        "en": ("Windows update is stuck", "windows, update, restart",
               "Leave the laptop plugged in and wait up to an hour. If the percentage does not "
               "move, hold the power button, start again and run Windows Update once more."),
        "ro": ("Actualizarea Windows s-a blocat", "windows, actualizare, repornire",
               "Lăsați laptopul la priză și așteptați până la o oră. Dacă procentul nu se mișcă, "
               "țineți apăsat butonul de pornire și rulați din nou Windows Update."),
        "pt": ("A atualização do Windows ficou parada", "windows, atualização, reiniciar",
               "Deixe o portátil ligado à corrente e espere até uma hora. Se a percentagem não "
               "avançar, mantenha o botão ligar premido e execute de novo o Windows Update."),
        "pl": ("Aktualizacja Windows się zawiesiła", "windows, aktualizacja, restart",
               "Zostaw laptop podłączony do zasilania i odczekaj do godziny. Jeśli procent się "
               "nie zmienia, przytrzymaj przycisk zasilania i uruchom ponownie Windows Update."),
        "ru": ("Обновление Windows зависло", "windows, обновление, перезагрузка",
               "Оставьте ноутбук на зарядке и подождите до часа. Если процент не меняется, "
               "удерживайте кнопку питания и снова запустите Центр обновления Windows."),
    },
    "onedrive-sync": {
        "en": ("OneDrive files are not syncing", "onedrive, sync, cloud, files",
               "Click the cloud icon near the clock: it shows the file that blocks the sync. "
               "Rename files with characters like ? or *, and sign in again if asked."),
        "ro": ("Fișierele OneDrive nu se sincronizează", "onedrive, sincronizare, cloud, fișiere",
               "Faceți clic pe pictograma nor de lângă ceas: arată fișierul care blochează "
               "sincronizarea. Redenumiți fișierele cu caractere precum ? sau *."),
        "pt": ("Os ficheiros do OneDrive não sincronizam", "onedrive, sincronização, nuvem, ficheiros",
               "Clique no ícone da nuvem junto ao relógio: mostra o ficheiro que bloqueia a "
               "sincronização. Mude o nome a ficheiros com caracteres como ? ou *."),
        "pl": ("Pliki OneDrive się nie synchronizują", "onedrive, synchronizacja, chmura, pliki",
               "Kliknij ikonę chmury przy zegarze: pokazuje plik blokujący synchronizację. Zmień "
               "nazwy plików ze znakami takimi jak ? lub *."),
        "ru": ("Файлы OneDrive не синхронизируются", "onedrive, синхронизация, облако, файлы",
               "Нажмите на значок облака у часов: он покажет файл, который мешает синхронизации. "
               "Переименуйте файлы с символами вроде ? или *."),
    },
    "shared-folder": {
        "en": ("Access to a shared folder on the network drive", "shared, folder, drive, access",
               "Access is granted by the folder's owner, usually your manager. Ask them to "
               "approve it in the access portal; the drive appears after you sign in again."),
        "ro": ("Acces la un dosar partajat de pe unitatea de rețea", "partajat, dosar, unitate, acces",
               "Accesul îl acordă proprietarul dosarului, de obicei managerul. Cereți aprobarea "
               "în portalul de acces; unitatea apare după o nouă autentificare."),
        "pt": ("Acesso a uma pasta partilhada na unidade de rede", "partilhada, pasta, unidade, acesso",
               "O acesso é dado pelo responsável da pasta, normalmente a chefia. Peça a "
               "aprovação no portal de acessos; a unidade aparece depois de voltar a entrar."),
        "pl": ("Dostęp do folderu udostępnionego na dysku sieciowym", "udostępniony, folder, dysk, dostęp",
               "Dostęp nadaje właściciel folderu, zwykle przełożony. Poproś o zatwierdzenie w "
               "portalu dostępu; dysk pojawi się po ponownym zalogowaniu."),
        "ru": ("Доступ к общей папке на сетевом диске", "общая, папка, диск, доступ",
               "Доступ выдаёт владелец папки, обычно руководитель. Попросите его одобрить доступ "
               "на портале; диск появится после повторного входа."),
    },
    "file-restore": {
        "en": ("Restoring a deleted or overwritten file", "restore, backup, deleted, file",
               "Files on the network drive can be restored from the previous versions tab for "
               "30 days. Right-click the folder, choose Properties, Previous Versions."),
        "ro": ("Recuperarea unui fișier șters sau suprascris", "restaurare, backup, șters, fișier",
               "Fișierele de pe unitatea de rețea se pot restaura din versiunile anterioare timp "
               "de 30 de zile. Clic dreapta pe dosar, Proprietăți, Versiuni anterioare."),
        "pt": ("Recuperar um ficheiro apagado ou substituído", "restaurar, cópia de segurança, apagado",
               "Os ficheiros da unidade de rede podem ser restaurados a partir das versões "
               "anteriores durante 30 dias. Clique com o botão direito na pasta, Propriedades."),
        "pl": ("Przywracanie usuniętego lub nadpisanego pliku", "przywracanie, kopia zapasowa, usunięty",
               "Pliki z dysku sieciowego można przywrócić z poprzednich wersji przez 30 dni. "
               "Kliknij folder prawym przyciskiem, Właściwości, Poprzednie wersje."),
        "ru": ("Восстановление удалённого или перезаписанного файла", "восстановление, резервная копия",
               "Файлы на сетевом диске можно восстановить из предыдущих версий в течение 30 "
               "дней. Щёлкните папку правой кнопкой, «Свойства», «Предыдущие версии»."),
    },
    "new-employee": {
        "en": ("Accounts and laptop for a new employee", "onboarding, new hire, account",
               "Send the starter's name, role and first day at least five working days before. "
               "The laptop, account and badge are ready on the morning of the first day."),
        "ro": ("Conturi și laptop pentru un angajat nou", "angajare, angajat nou, cont",
               "Trimiteți numele, funcția și prima zi a noului coleg cu cel puțin cinci zile "
               "lucrătoare înainte. Laptopul, contul și legitimația sunt gata în prima dimineață."),
        "pt": ("Contas e portátil para um novo colaborador", "admissão, novo colaborador, conta",
               "Envie o nome, a função e o primeiro dia do novo colaborador com pelo menos cinco "
               "dias úteis de antecedência. O portátil e a conta ficam prontos no primeiro dia."),
        "pl": ("Konta i laptop dla nowego pracownika", "wdrożenie, nowy pracownik, konto",
               "Wyślij imię i nazwisko, stanowisko i pierwszy dzień nowej osoby co najmniej pięć "
               "dni roboczych wcześniej. Laptop, konto i identyfikator będą gotowe."),
        "ru": ("Учётные записи и ноутбук для нового сотрудника", "новый сотрудник, приём, учётная запись",
               "Сообщите имя, должность и первый рабочий день нового сотрудника минимум за пять "
               "рабочих дней. Ноутбук, учётная запись и пропуск будут готовы утром."),
    },
    "leaving-employee": {
        "en": ("When an employee leaves the company", "offboarding, leaver, account",
               "The manager tells us the last day. The account is disabled that evening, the "
               "mailbox is shared with the manager for 90 days and the laptop is collected."),
        "ro": ("Când un angajat pleacă din companie", "plecare, angajat, cont",
               "Managerul ne anunță ultima zi. Contul se dezactivează în acea seară, căsuța "
               "poștală este partajată cu managerul 90 de zile, iar laptopul se predă."),
        "pt": ("Quando um colaborador sai da empresa", "saída, colaborador, conta",
               "A chefia indica o último dia. A conta é desativada nessa noite, a caixa de "
               "correio fica partilhada com a chefia 90 dias e o portátil é recolhido."),
        "pl": ("Gdy pracownik odchodzi z firmy", "odejście, pracownik, konto",
               "Przełożony podaje ostatni dzień. Konto jest wyłączane tego wieczoru, skrzynka "
               "jest udostępniana przełożonemu na 90 dni, a laptop jest zwracany."),
        "ru": ("Увольнение сотрудника", "увольнение, сотрудник, учётная запись",
               "Руководитель сообщает последний день. Учётная запись отключается вечером, ящик "
               "передаётся руководителю на 90 дней, ноутбук сдаётся."),
    },
    "voicemail": {
        "en": ("Desk phone voicemail and its PIN", "phone, voicemail, pin",
               "Press the envelope key and follow the prompts. The first PIN is the last four "
               "digits of your extension; you are asked to change it on first use."),
        "ro": ("Mesageria vocală a telefonului fix și codul PIN", "telefon, mesagerie vocală, pin",
               "Apăsați tasta cu plic și urmați instrucțiunile. Primul PIN este format din "
               "ultimele patru cifre ale interiorului."),
        "pt": ("Correio de voz do telefone fixo e o PIN", "telefone, correio de voz, pin",
               "Prima a tecla do envelope e siga as instruções. O primeiro PIN são os últimos "
               "quatro dígitos da sua extensão."),
        "pl": ("Poczta głosowa telefonu stacjonarnego i PIN", "telefon, poczta głosowa, pin",
               "Naciśnij klawisz z kopertą i postępuj zgodnie z komunikatami. Pierwszy PIN to "
               "cztery ostatnie cyfry numeru wewnętrznego."),
        "ru": ("Голосовая почта офисного телефона и PIN-код", "телефон, голосовая почта, pin",
               "Нажмите клавишу с конвертом и следуйте подсказкам. Первый PIN — последние "
               "четыре цифры вашего внутреннего номера."),
    },
    "phone-lost": {
        "en": ("Lost or stolen company phone", "phone, lost, stolen, mobile, security",
               "Call the helpdesk at once so the phone can be wiped remotely. Then report the "
               "theft to the police and ask your manager for a replacement."),
        "ro": ("Telefon de serviciu pierdut sau furat", "telefon, pierdut, furat, securitate",
               "Sunați imediat la helpdesk pentru ștergerea de la distanță a telefonului. Apoi "
               "declarați furtul la poliție și cereți managerului un înlocuitor."),
        "pt": ("Telemóvel da empresa perdido ou roubado", "telemóvel, perdido, roubado, segurança",
               "Ligue de imediato para o suporte para apagar o telemóvel à distância. Depois "
               "participe o roubo à polícia e peça um substituto à chefia."),
        "pl": ("Zgubiony lub skradziony telefon służbowy", "telefon, zgubiony, skradziony",
               "Natychmiast zadzwoń do helpdesku, aby zdalnie wyczyścić telefon. Następnie "
               "zgłoś kradzież na policję i poproś przełożonego o nowy."),
        "ru": ("Рабочий телефон потерян или украден", "телефон, потерян, украден",
               "Сразу позвоните в службу поддержки, чтобы удалённо стереть телефон. Затем "
               "заявите о краже в полицию и попросите у руководителя замену."),
    },
    "virus-alert": {
        "en": ("The antivirus shows a threat warning", "antivirus, virus, malware, security",
               "Do not close the warning: take a photo of it, unplug the network cable or turn "
               "off Wi-Fi and call the helpdesk. Do not try to delete the file yourself."),
        "ro": ("Antivirusul afișează un avertisment", "antivirus, virus, malware, securitate",
               "Nu închideți avertismentul: fotografiați-l, scoateți cablul de rețea sau opriți "
               "Wi-Fi și sunați la helpdesk. Nu ștergeți singur fișierul."),
        "pt": ("O antivírus mostra um alerta de ameaça", "antivírus, vírus, malware, segurança",
               "Não feche o alerta: fotografe-o, desligue o cabo de rede ou o Wi-Fi e ligue "
               "para o suporte. Não tente apagar o ficheiro sozinho."),
        "pl": ("Antywirus pokazuje ostrzeżenie o zagrożeniu", "antywirus, wirus, malware",
               "Nie zamykaj ostrzeżenia: zrób mu zdjęcie, odłącz kabel sieciowy lub wyłącz "
               "Wi-Fi i zadzwoń do helpdesku. Nie usuwaj pliku samodzielnie."),
        "ru": ("Антивирус показывает предупреждение об угрозе", "антивирус, вирус, вредоносное",
               "Не закрывайте предупреждение: сфотографируйте его, отключите сетевой кабель или "
               "Wi-Fi и позвоните в поддержку. Не удаляйте файл сами."),
    },
    "certificate-warning": {
        "en": ("Browser says the connection is not private", "browser, certificate, https",
               "Check the date and time of the computer first: a wrong clock breaks "
               "certificates. For internal sites, install the company root certificate."),
        "ro": ("Browserul spune că conexiunea nu este privată", "browser, certificat, https",
               "Verificați mai întâi data și ora calculatorului: un ceas greșit strică "
               "certificatele. Pentru site-urile interne instalați certificatul rădăcină."),
        "pt": ("O navegador diz que a ligação não é privada", "navegador, certificado, https",
               "Verifique primeiro a data e a hora do computador: um relógio errado estraga os "
               "certificados. Para sites internos instale o certificado raiz da empresa."),
        "pl": ("Przeglądarka mówi, że połączenie nie jest prywatne", "przeglądarka, certyfikat, https",
               "Najpierw sprawdź datę i godzinę komputera: zły zegar psuje certyfikaty. Dla "
               "stron wewnętrznych zainstaluj firmowy certyfikat główny."),
        "ru": ("Браузер пишет, что подключение не защищено", "браузер, сертификат, https",
               "Сначала проверьте дату и время компьютера: неверные часы ломают сертификаты. "
               "Для внутренних сайтов установите корневой сертификат компании."),
    },
    "excel-crash": {
        "en": ("Excel closes when opening a workbook", "excel, crash, spreadsheet, office",
               "Start Excel in safe mode (hold Ctrl while opening), then turn off add-ins one "
               "by one. Repair Office from Apps and features if it still crashes."),
        "ro": ("Excel se închide la deschiderea unui registru", "excel, blocare, foaie de calcul",
               "Porniți Excel în modul sigur (țineți Ctrl la deschidere), apoi dezactivați "
               "programele de completare pe rând. Reparați Office dacă tot se închide."),
        "pt": ("O Excel fecha ao abrir um livro", "excel, falha, folha de cálculo",
               "Inicie o Excel em modo de segurança (mantenha Ctrl ao abrir) e desative os "
               "suplementos um a um. Repare o Office se continuar a fechar."),
        "pl": ("Excel zamyka się przy otwieraniu skoroszytu", "excel, awaria, arkusz kalkulacyjny",
               "Uruchom Excela w trybie awaryjnym (przytrzymaj Ctrl), a potem wyłączaj dodatki "
               "po kolei. Napraw pakiet Office, jeśli nadal się zamyka."),
        "ru": ("Excel закрывается при открытии книги", "excel, сбой, таблица",
               "Запустите Excel в безопасном режиме (удерживая Ctrl), затем по одной отключите "
               "надстройки. Если вылетает снова, восстановите Office."),
    },
    "pdf-open": {
        "en": ("PDF attachments will not open", "pdf, attachment, reader",
               "Save the PDF to the desktop and open it with Adobe Acrobat Reader from the Start "
               "menu. Set Acrobat Reader as the default app for PDF files."),
        "ro": ("Atașamentele PDF nu se deschid", "pdf, atașament, cititor",
               "Salvați PDF-ul pe desktop și deschideți-l cu Adobe Acrobat Reader din meniul "
               "Start. Setați Acrobat Reader ca aplicație implicită pentru PDF."),
        "pt": ("Os anexos PDF não abrem", "pdf, anexo, leitor",
               "Guarde o PDF no ambiente de trabalho e abra-o com o Adobe Acrobat Reader a "
               "partir do menu Iniciar. Defina-o como aplicação predefinida para PDF."),
        "pl": ("Załączniki PDF się nie otwierają", "pdf, załącznik, czytnik",
               "Zapisz plik PDF na pulpicie i otwórz go programem Adobe Acrobat Reader z menu "
               "Start. Ustaw go jako domyślną aplikację dla PDF."),
        "ru": ("Вложения PDF не открываются", "pdf, вложение, просмотр",
               "Сохраните PDF на рабочий стол и откройте его в Adobe Acrobat Reader из меню "
               "«Пуск». Сделайте его программой по умолчанию для PDF."),
    },
    "meeting-room": {
        "en": ("Meeting room projector shows nothing", "meeting room, projector, screen",
               "Turn the projector on with the remote, select the HDMI input and connect the "
               "cable from the table. Press Windows+P and choose Duplicate."),
        "ro": ("Proiectorul din sala de ședințe nu afișează nimic", "sală de ședințe, proiector",
               "Porniți proiectorul cu telecomanda, alegeți intrarea HDMI și conectați cablul "
               "de pe masă. Apăsați Windows+P și alegeți Duplicare."),
        "pt": ("O projetor da sala de reuniões não mostra nada", "sala de reuniões, projetor",
               "Ligue o projetor com o comando, escolha a entrada HDMI e ligue o cabo da mesa. "
               "Prima Windows+P e escolha Duplicar."),
        "pl": ("Projektor w sali konferencyjnej nic nie wyświetla", "sala konferencyjna, projektor",
               "Włącz projektor pilotem, wybierz wejście HDMI i podłącz kabel ze stołu. "
               "Naciśnij Windows+P i wybierz Duplikuj."),
        "ru": ("Проектор в переговорной ничего не показывает", "переговорная, проектор",
               "Включите проектор пультом, выберите вход HDMI и подключите кабель со стола. "
               "Нажмите Windows+P и выберите «Повторяющийся»."),
    },
    "usb-blocked": {
        "en": ("USB stick is blocked", "usb, flash drive, storage, security",
               "Company laptops only accept encrypted USB drives. Copy files through OneDrive "
               "instead, or ask for an encrypted drive from the helpdesk."),
        "ro": ("Stick-ul USB este blocat", "usb, stick, stocare, securitate",
               "Laptopurile companiei acceptă doar stick-uri USB criptate. Copiați fișierele "
               "prin OneDrive sau cereți un stick criptat de la helpdesk."),
        "pt": ("A pen USB está bloqueada", "usb, pen, armazenamento, segurança",
               "Os portáteis da empresa só aceitam pens USB encriptadas. Copie os ficheiros "
               "pelo OneDrive ou peça uma pen encriptada ao suporte."),
        "pl": ("Pendrive USB jest zablokowany", "usb, pendrive, pamięć, bezpieczeństwo",
               "Laptopy firmowe przyjmują tylko szyfrowane pendrive'y. Kopiuj pliki przez "
               "OneDrive albo poproś helpdesk o szyfrowany pendrive."),
        "ru": ("Флешка USB заблокирована", "usb, флешка, накопитель, безопасность",
               "Рабочие ноутбуки принимают только зашифрованные флешки. Копируйте файлы через "
               "OneDrive или попросите зашифрованную флешку в поддержке."),
    },
}

# (language, query, expected topic): worded differently from the titles.
QUERIES: list[tuple[str, str, str]] = [
    ("en", "paper stuck inside the printer", "printer-jam"),
    ("en", "cannot remember my login password", "password-forgot"),
    ("en", "wireless internet in the office not working", "wifi-office"),
    ("en", "need a duplicate of last month's invoices", "invoice-copy"),
    ("en", "my laptop is extremely sluggish", "computer-slow"),
    ("en", "vpn connection drops every few minutes", "vpn-drops"),
    ("en", "got a strange email asking for my password", "phishing"),
    ("en", "webcam black during meeting", "camera-meeting"),
    ("en", "restore a file I deleted by mistake", "file-restore"),
    ("en", "out of office message for my holidays", "out-of-office"),
    ("ro", "hârtia s-a blocat în imprimantă", "printer-jam"),
    ("ro", "am uitat parola de la cont", "password-forgot"),
    ("ro", "nu merge internetul wireless în birou", "wifi-office"),
    ("ro", "vreau o copie după factura lunii trecute", "invoice-copy"),
    ("ro", "calculatorul meu e foarte lent", "computer-slow"),
    ("ro", "conexiunea vpn cade des", "vpn-drops"),
    ("ro", "căsuța de mail e plină și nu primesc mesaje", "mailbox-full"),
    ("ro", "laptopul nu se mai încarcă", "laptop-battery"),
    ("ro", "cum instalez un program", "software-install"),
    ("ro", "mi-au furat telefonul de serviciu", "phone-lost"),
    ("pt", "folha presa na impressora", "printer-jam"),
    ("pt", "esqueci a senha", "password-forgot"),
    ("pt", "sem ligação à rede sem fios do escritório", "wifi-office"),
    ("pt", "preciso da segunda via das faturas", "invoice-copy"),
    ("pt", "portátil muito lento", "computer-slow"),
    ("pt", "vpn não conecta em casa", "vpn-connect"),
    ("pt", "a caixa de e-mail está cheia", "mailbox-full"),
    ("pt", "microfone não funciona nas chamadas", "headset-mic"),
    ("pt", "valor errado na fatura", "invoice-wrong"),
    ("pt", "a pen usb não é reconhecida, bloqueada", "usb-blocked"),
    ("pl", "zacięty papier w drukarce", "printer-jam"),
    ("pl", "zapomniałem hasła do konta", "password-forgot"),
    ("pl", "brak połączenia z wifi w biurze", "wifi-office"),
    ("pl", "potrzebuję kopii faktury", "invoice-copy"),
    ("pl", "komputer bardzo wolno działa", "computer-slow"),
    ("pl", "vpn się rozłącza", "vpn-drops"),
    ("pl", "skrzynka pocztowa pełna", "mailbox-full"),
    ("pl", "drugi monitor bez sygnału", "monitor-no-signal"),
    ("pl", "antywirus wykrył wirusa", "virus-alert"),
    ("pl", "excel się zamyka", "excel-crash"),
    ("ru", "застряла бумага в принтере", "printer-jam"),
    ("ru", "забыла пароль от учётной записи", "password-forgot"),
    ("ru", "не подключается к вайфаю в офисе wifi", "wifi-office"),
    ("ru", "нужна копия счёта", "invoice-copy"),
    ("ru", "ноутбук очень медленно работает", "computer-slow"),
    ("ru", "впн не подключается из дома vpn", "vpn-connect"),
    ("ru", "ящик почты переполнен", "mailbox-full"),
    ("ru", "аккумулятор ноутбука быстро разряжается", "laptop-battery"),
    ("ru", "не открываются pdf вложения", "pdf-open"),
    ("ru", "потерял рабочий телефон", "phone-lost"),
]
