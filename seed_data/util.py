"""Small vectorised helpers shared by the generator: opaque ids, time formatting,
name lists and categorical sampling.

Everything random takes an explicit ``numpy.random.Generator`` so that one seed
gives one world; nothing here reads the clock.
"""
from __future__ import annotations

import numpy as np

#: The observation window starts on a Monday so weekday effects line up with day 0.
WINDOW_START = np.datetime64("2025-03-03T00:00:00", "s")
WINDOW_START_S = int(WINDOW_START.astype(np.int64))
DAY = 86_400

_HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2").view(np.uint16)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(x: np.ndarray, salt: int = 0) -> np.ndarray:
    """splitmix64 finaliser: a stable hash of integer ids (template ids, key ids) so
    derived identifiers need no lookup table and stay the same across chunks."""
    z = np.asarray(x, dtype=np.uint64) + np.uint64((0x9E3779B97F4A7C15 * (salt + 1)) & 0xFFFFFFFFFFFFFFFF)
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def hex_strings(x: np.ndarray, nchars: int = 16, prefix: str = "") -> np.ndarray:
    """uint64 values -> fixed-width lowercase hex strings (numpy unicode array)."""
    x = np.ascontiguousarray(np.asarray(x, dtype=np.uint64).astype(">u8"))
    h = _HEX[x.view(np.uint8).reshape(-1, 8)]
    s = np.ascontiguousarray(h).view("S16").ravel()
    if nchars < 16:
        s = s.astype(f"S{nchars}")
    s = s.astype(f"U{nchars}")
    if prefix:
        s = np.char.add(prefix, s)
    return s


def unique_random_ids(rng: np.random.Generator, n: int, nchars: int, prefix: str) -> np.ndarray:
    """n distinct random opaque ids; random (not sequential) so ids say nothing about
    when or with whom an account was created."""
    bits = 4 * nchars
    hi = (1 << bits) if bits < 64 else None
    vals = rng.integers(0, hi if hi else np.iinfo(np.int64).max, size=n, dtype=np.int64).astype(np.uint64)
    while True:
        _, first = np.unique(vals, return_index=True)
        if len(first) == n:
            break
        dup = np.ones(n, bool)
        dup[first] = False
        vals[dup] = rng.integers(0, hi if hi else np.iinfo(np.int64).max, size=int(dup.sum()), dtype=np.int64)
    # left-align the meaningful bits so truncation to nchars keeps them
    vals = vals << np.uint64(64 - bits) if bits < 64 else vals
    return hex_strings(vals, nchars, prefix)


def iso_seconds(epoch_s: np.ndarray) -> np.ndarray:
    """epoch seconds -> ISO-8601 UTC strings with a Z suffix."""
    s = np.datetime_as_string(np.asarray(epoch_s, dtype="datetime64[s]"), unit="s")
    return np.char.add(s, "Z")


def arrow_strings(values: np.ndarray):
    """One contiguous Arrow string array. pyarrow returns a ChunkedArray for large
    numpy unicode arrays (and `take` on one gives chunked results), which record
    batches do not accept."""
    import pyarrow as pa

    arr = pa.array(values, pa.string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def searchsorted_rows(cdf: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Sample a category per element from per-row CDFs: ``cdf`` is (R, K) with rows
    ending at 1, ``rows`` selects the CDF for each element. Offsetting each row by its
    index turns R searches into one ``np.searchsorted`` on a flat array."""
    r, k = cdf.shape
    flat = (cdf + np.arange(r)[:, None]).ravel()
    pos = np.searchsorted(flat, rows + np.minimum(u, 1 - 1e-12), side="right")
    return (pos - rows * k).clip(0, k - 1)


FIRST_NAMES = (
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan joseph "
    "jessica thomas sarah charles karen daniel nancy matthew lisa anthony betty mark margaret donald sandra steven "
    "ashley paul kimberly andrew emily joshua donna kenneth michelle kevin carol brian amanda george melissa "
    "timothy deborah ronald stephanie jason rebecca edward sharon jeffrey laura ryan cynthia jacob kathleen gary amy "
    "nicholas angela eric shirley jonathan anna stephen brenda larry pamela justin emma scott nicole brandon helen "
    "benjamin samantha samuel katherine gregory christine alexander debra frank rachel patrick carolyn raymond janet "
    "jack catherine dennis maria jerry heather tyler diane aaron ruth jose julie adam olivia nathan joyce henry "
    "virginia zachary victoria douglas kelly peter lauren kyle christina noah joan ethan evelyn jeremy judith "
    "walter megan christian andrea keith cheryl roger hannah terry jacqueline austin martha sean gloria gerald "
    "teresa carl ann harold sara dylan madison arthur frances lawrence kathryn jordan janice jesse jean bryan abigail "
    "billy alice bruce judy gabriel sophia joe grace logan denise albert amber willie doris alan marilyn eugene "
    "danielle russell beverly vincent isabella philip theresa bobby diana johnny natalie bradley brittany roy "
    "charlotte ralph marie liam ava lucas mia hugo lea luca giulia mateo sofia arjun priya rahul ananya wei li "
    "hiroshi yuki minjun jiwoo ahmed fatima mohammed aisha ivan olga pedro ana diego camila chen jing thanh linh "
    "oluwaseun chiamaka emre elif jakub zofia lars ingrid pieter sanne"
).split()

LAST_NAMES = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson "
    "anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis "
    "robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera "
    "campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart "
    "morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim "
    "cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo "
    "sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman butler "
    "henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander hamilton graham reynolds "
    "griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford "
    "castro marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen freeman "
    "webb tucker guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon "
    "munoz hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice "
    "schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn kelley spencer "
    "hawkins arnold pierce hansen muller schneider fischer weber rossi russo ferrari dubois moreau laurent sato "
    "suzuki takahashi tanaka watanabe park choi jung kang singh kumar sharma gupta wang zhang liu yang huang zhao "
    "ivanov petrov silva santos oliveira souza pereira costa okafor adeyemi yilmaz kaya nowak kowalski jansen "
    "devries berg lindqvist nielsen"
).split()

WORDS_A = (
    "blue bright north clear deep swift quiet bold prime true solid silver red green iron open smart lucid "
    "vector quantum alpine copper cedar granite harbor summit polar lunar nova apex arc beacon cobalt delta "
    "ember falcon glacier helix indigo juniper kestrel lattice maple nimbus onyx orbit pine quartz river sable "
    "tidal umber vivid willow zephyr amber atlas birch canyon dune echo fern"
).split()
WORDS_B = (
    "labs analytics systems works data health logistics robotics studio software ventures bio capital media "
    "networks cloud dynamics research partners tech solutions digital insights engineering finance learning "
    "security legal retail energy motors foods games"
).split()
TLDS = ["com", "io", "ai", "co", "net", "dev", "tech", "de", "co.uk", "fr", "jp", "in", "com.br"]

#: webmail domains with rough market shares; operators draw from a handful of these too.
WEBMAIL = [
    ("gmail.com", 46), ("outlook.com", 9), ("hotmail.com", 7), ("yahoo.com", 7), ("icloud.com", 6),
    ("proton.me", 3), ("gmx.de", 2), ("mail.ru", 2), ("yandex.ru", 1.5), ("qq.com", 3), ("163.com", 2),
    ("naver.com", 1.5), ("aol.com", 1), ("zoho.com", 1), ("web.de", 1.5), ("orange.fr", 1), ("libero.it", 1),
    ("rediffmail.com", 1), ("tutanota.com", 0.5), ("fastmail.com", 0.5), ("yahoo.co.jp", 1.5),
]
