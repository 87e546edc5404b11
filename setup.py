"""Compiles the gettext catalogs into the package when it is built, so an
installed meetbot carries its .mo files (`bot/locales/<lang>/LC_MESSAGES`)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(Path("locales").glob("*/LC_MESSAGES/meetbot.po")):
            language = po.parts[1]
            target = Path(self.build_lib) / "bot" / "locales" / language / "LC_MESSAGES" / "meetbot.mo"
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=language)
            with target.open("wb") as out:
                write_mo(out, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
