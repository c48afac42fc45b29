"""Text as people type it, folded so that it can be compared with the words the bot knows.

People write on phones, in eight languages, with and without their keyboard's special
letters: "Çarşamba" and "carsamba", "الإثنين" and "الاثنين", "سه‌شنبه" and "سه شنبه",
"۱۸" and "18". Both sides of every comparison (the words typed and the words of the
catalogs and of Babel) go through `fold`, so such variants meet. Only words and dates are
folded, never what people wrote for others to read (a task's text, a name).
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width spaces and joiners, and the Arabic tatweel that only stretches a word.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u0640"), None)
# Arabic and Persian spellings of one letter, and their punctuation, to one form.
_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ئ": "ي",
        "ک": "ك",
        "ة": "ه",
        "ؤ": "و",
        "،": ",",
        "؛": ";",
        "؟": "?",
        "٫": ".",
        "ʼ": "'",
        "’": "'",
        "`": "'",
        "ı": "i",
        "ё": "е",
    }
)
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")  # short vowels, shadda, sukun


_DIRECTION_MARKS = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)], None
)


def without_direction_marks(text: str) -> str:
    """`text` without the invisible marks that order right-to-left text: an example the bot
    wrote in Arabic or Persian, copied back, reads like one typed."""
    return text.translate(_DIRECTION_MARKS)


def fold(text: str) -> str:
    """`text` case-folded, without invisible marks, with one spelling per letter and
    Western digits; Latin letters lose their accents ("Çarşamba" -> "carsamba")."""
    text = without_direction_marks(text).translate(_INVISIBLE).casefold().translate(_LETTERS)
    text = _ARABIC_MARKS.sub("", text)
    return "".join(_folded_char(char) for char in text)


def _folded_char(char: str) -> str:
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    if "\u00c0" <= char <= "\u024f":  # Latin letters with accents, cedillas, carons
        return unicodedata.normalize("NFKD", char)[0]
    if char == "\u0307":  # the dot that casefold leaves on a Turkish "İ"
        return ""
    return char
