"""Realistic plan documents (already translated, as the plan code hands them over),
used by tests/bot/test_documents.py and for looking at the rendered pages."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.documents import Document, Fields, Paragraph, Section, Signatures, Table

CREATED = datetime(2026, 12, 3, 15, 5, tzinfo=timezone.utc)


def swedish_sip() -> Document:
    return Document(
        title="Samordnad individuell plan (SIP)",
        subtitle="Familj A · uppföljningsmöte den 3 december 2026",
        sections=(
            Section(
                "Om planen",
                (
                    Fields(
                        (
                            ("Ärende", "Familj A"),
                            ("Möte", "Uppföljande SIP-möte, torsdag 3 december 2026 kl. 14.00–15.30"),
                            ("Plats", "Familjecentralen Åby, rum Ekorren"),
                            ("Planens version", "3 (ersätter version 2 från den 8 oktober 2026)"),
                            ("Samtalsledare", "Åsa Öberg, socialsekreterare, Socialtjänsten Norrköping"),
                        )
                    ),
                ),
            ),
            Section(
                "Närvarande och frånvarande",
                (
                    Table(
                        header=("Namn", "Roll", "Verksamhet", "Närvaro"),
                        rows=(
                            ("Maria Ängström", "Vårdnadshavare", "", "Närvarande"),
                            ("Jörgen Ängström", "Vårdnadshavare", "", "Närvarande"),
                            ("Elsa (12 år)", "Barnet", "", "Frånvarande: ville inte vara med hela mötet, har berättat sin syn för Åsa i förväg"),
                            ("Åsa Öberg", "Samtalsledare", "Socialtjänsten Norrköping", "Närvarande"),
                            ("Björn Sjögren", "Kurator", "Ängsskolan", "Närvarande"),
                            ("Dr. Lena Håkansson", "Läkare", "Barn- och ungdomspsykiatrin (BUP)", "Frånvarande: sjuk, skickade sin redogörelse skriftligt"),
                            ("Gun Östlund", "Mormor", "", "Närvarande (utan Telegram)"),
                        ),
                        widths=(3, 2.4, 3.4, 4.2),
                    ),
                ),
            ),
            Section(
                "Nulägesbeskrivning",
                (
                    Paragraph(
                        "Sedan förra mötet har Elsa gått i skolan fyra dagar av fem de flesta veckor. "
                        "Morgnarna är fortfarande svåra, särskilt måndagar. Familjen berättar att det går "
                        "bättre när mormor hämtar Elsa på tisdagar och torsdagar. BUP har gjort en "
                        "utredning; resultatet visar att Elsa har en ångestproblematik som behandlas med "
                        "samtal varannan vecka. Skolan har ordnat en lugn plats att börja dagen på."
                    ),
                ),
            ),
            Section(
                "Mål",
                (
                    Table(
                        header=("Mål (med familjens egna ord)", "Nu (0–10)", "Vill nå (0–10)", "Delmål"),
                        rows=(
                            (
                                "Elsa ska vilja gå till skolan och orka vara där hela dagen.",
                                "5",
                                "8",
                                "Gå till skolan alla dagar före jullovet; äta lunch i matsalen två gånger i veckan.",
                            ),
                            (
                                "Morgnarna hemma ska bli lugnare, utan bråk.",
                                "4",
                                "7",
                                "Packa väskan kvällen innan; väckning i god tid.",
                            ),
                            ("Mamma och pappa vill få stöd i att prata med Elsa om oron.", "3", "7", ""),
                        ),
                        widths=(5, 1.4, 1.6, 5),
                    ),
                ),
            ),
            Section(
                "Insatser: vem gör vad och när",
                (
                    Table(
                        header=("Insats", "Vem", "Verksamhet", "Klart senast", "Mål"),
                        rows=(
                            ("Samtal med Elsa om oro varannan vecka", "Dr. Lena Håkansson", "BUP Norrköping", "fortlöpande", "1"),
                            ("Lugn plats och mjuk start på morgonen", "Björn Sjögren", "Ängsskolan", "7 december 2026", "1"),
                            ("Föräldrastödsgrupp (ABC), anmälan", "Åsa Öberg", "Socialtjänsten Norrköping", "15 december 2026", "3"),
                            ("Hämta Elsa tisdagar och torsdagar", "Gun Östlund", "", "fortlöpande", "2"),
                            ("Ringa skolan om Elsa är sjuk", "Maria Ängström", "", "fortlöpande", "1"),
                        ),
                        widths=(5, 3, 3.4, 2.4, 1),
                    ),
                    Fields(
                        (
                            ("Huvudansvar", "Åsa Öberg, Socialtjänsten Norrköping"),
                            ("Om det blir sämre", "Ring Åsa på 011-15 00 00, vardagar 8–16. Kvällar och helger: socialjouren 011-15 00 01."),
                        )
                    ),
                ),
            ),
            Section(
                "Barnets och vårdnadshavarnas syn",
                (
                    Section(
                        "Elsa (med egna ord)",
                        (
                            Paragraph("Jag vill inte att alla pratar om mig. Det är bättre när mormor hämtar, då är det lugnt i bilen. Jag kan äta i matsalen om Saga får sitta bredvid.", "quote"),
                            Paragraph("Elsa valde själv att ta med sitt svar från förberedelsen.", "note"),
                        ),
                    ),
                    Section(
                        "Maria Ängström, vårdnadshavare",
                        (Paragraph("Vi är tacksamma för skolans hjälp. Jag är orolig för hur det blir efter jullovet när rutinerna försvinner.", "quote"),),
                    ),
                    Section(
                        "Jörgen Ängström, vårdnadshavare",
                        (Paragraph("Jag håller med om planen. Jag vill gärna vara med i föräldragruppen.", "quote"),),
                    ),
                ),
            ),
            Section(
                "Samtycke till planen",
                (
                    Table(
                        header=("Namn", "Svar", "När"),
                        rows=(
                            ("Maria Ängström", "Samtycker", "3 dec 2026 15.02"),
                            ("Jörgen Ängström", "Samtycker", "3 dec 2026 15.10"),
                            ("Dr. Lena Håkansson, BUP", "Samtycker inte: ”Tiden för samtal behöver ses över med mottagningen först.”", "3 dec 2026 16.45"),
                            ("Gun Östlund", "Samtycker (på papper)", "3 dec 2026"),
                        ),
                        widths=(3, 5, 2),
                    ),
                    Signatures(
                        (
                            ("Maria Ängström, vårdnadshavare", "Samtyckte i meetbot 3 dec 2026 15.02"),
                            ("Jörgen Ängström, vårdnadshavare", "Samtyckte i meetbot 3 dec 2026 15.10"),
                            ("Åsa Öberg, socialsekreterare, Socialtjänsten Norrköping", ""),
                            ("Gun Östlund, mormor", "Samtyckte på papper 3 dec 2026"),
                        )
                    ),
                ),
            ),
            Section(
                "Nästa möte",
                (
                    Fields(
                        (
                            ("Datum", "torsdag 21 januari 2027 kl. 14.00"),
                            ("Plats", "Familjecentralen Åby"),
                            ("Deltar", "Maria och Jörgen Ängström, Elsa, Åsa Öberg, Björn Sjögren, Lena Håkansson (BUP), skolsköterskan"),
                        )
                    ),
                    Paragraph("Planen har skickats till alla som deltar i ärendet, också de som var frånvarande.", "note"),
                ),
            ),
        ),
        footer="Familj A · SIP version 3 · upprättad 3 december 2026",
        page_label="Sida {page} av {pages}",
        language="sv",
        created=CREATED,
    )


def danish_plan() -> Document:
    return Document(
        title="Handleplan fra netværksmødet",
        subtitle="Familie B · netværksmøde den 3. december 2026",
        sections=(
            Section(
                "Om planen",
                (Fields((("Sag", "Familie B"), ("Koordinerende sagsbehandler", "Søren Ærø, Københavns Kommune"), ("Version", "2"))),),
            ),
            Section(
                "Mål",
                (
                    Table(
                        header=("Mål", "Nu (0–10)", "Ønsket (0–10)"),
                        rows=(("Jonas skal føle sig tryg i weekenden hos far", "6", "9"), ("Skolen og hjemmet taler sammen hver uge", "3", "8")),
                        widths=(6, 1.5, 1.5),
                    ),
                ),
            ),
            Section(
                "Hvad går godt, hvad bekymrer, hvad skal der ske",
                (
                    Table(
                        header=("Det går godt", "Det er vi bekymrede for", "Det skal der ske"),
                        rows=(("Jonas går til fodbold hver tirsdag", "Søvn og skærmtid", "Fast sengetid kl. 21.00; mormor Ørsted hjælper om søndagen"),),
                    ),
                ),
            ),
            Section(
                "Barnets og forældrenes syn",
                (
                    Section("Jonas (med egne ord)", (Paragraph("»Jeg vil gerne være mere hos far, men ikke når han er træt.«", "quote"),)),
                    Section("Mette Ødegård, mor", (Paragraph("»Vi er på vej. Det er godt, at skolen er med.«", "quote"),)),
                ),
            ),
            Section(
                "Samtykke",
                (Signatures((("Mette Ødegård, mor", "Samtykkede 3. dec. 2026 kl. 15.20"), ("Åge Ødegård, far", ""))),),
            ),
        ),
        footer="Familie B · handleplan version 2 · lavet 3. december 2026",
        page_label="Side {page} af {pages}",
        language="da",
        created=CREATED,
    )
