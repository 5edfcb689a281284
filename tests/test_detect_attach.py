"""`attach.attach_owned`: a ring's own card or device brings in its other users;
addresses, templates, bursts, e-mail stems and identifiers the ring does not own never do."""
from __future__ import annotations

import numpy as np

from ringscope.detection.attach import attach_owned
from ringscope.detection.evidence import assess
from ringscope.detection.groups import AccountIndex, Group
from ringscope.detection.rings import Judged


def _world(n: int = 20) -> AccountIndex:
    index = AccountIndex()
    index.add([f"a{i:02d}" for i in range(n)])
    return index


def _ring(members: list[int], index: AccountIndex) -> Judged:
    ev = assess({"instrument": {"evidence": 1.0}, "device": {"evidence": 1.0}}, None, 1.75)
    m = np.array(members, dtype=np.int64)
    return Judged(m, ev, 1.0, {i: 1.0 for i in members}, ids=[index.ids[i] for i in members])


def _group(family: str, members: list[int], accounts: int | None = None) -> Group:
    return Group(family, f"{family}-{members[0]}", np.array(members, dtype=np.int64), 0.5,
                 meta={"accounts": accounts or len(members)})


def test_an_identifier_the_ring_owns_brings_in_its_other_users():
    index = _world()
    ring = _ring([0, 1, 2, 3, 4], index)
    card = _group("instrument", [0, 1, 2, 3, 10, 11])   # 4 of 6 users in the ring
    [out] = attach_owned([ring], [card], index)
    assert sorted(out.ids) == ["a00", "a01", "a02", "a03", "a04", "a10", "a11"]
    assert out.attached[10] == {"family": "instrument", "identifier": "instrument-0", "inside": 4, "accounts": 6}
    # core members keep their scores; attached ones score lower
    assert out.member_scores[0] == 1.0 and 0 < out.member_scores[10] < 1.0
    assert ring.members.tolist() == [0, 1, 2, 3, 4]   # the input is not changed


def test_places_content_bursts_and_identifiers_the_ring_does_not_own_attach_no_one():
    index = _world()
    ring = _ring([0, 1, 2, 3, 4], index)
    groups = [
        _group("ip", [0, 1, 2, 3, 12]),              # a resident on the ring's proxy exit
        _group("template", [0, 1, 2, 3, 13]),
        _group("burst", [0, 1, 2, 3, 14]),
        # a counted e-mail stem: on the incident world a ring's gyilmaz+N@gmail.com held 28
        # of the stem's 36 users, the other 8 people with addresses like gyilmaz535@
        _group("email", [0, 1, 2, 3, 4, 11], accounts=6),
        _group("instrument", [0, 1, 15, 16]),         # two ring members: what a household shares
        _group("device", [0, 1, 2, 17, 18, 19, 9]),   # three of seven: the ring does not own it
        _group("instrument", [2, 3, 4, 8], accounts=9),  # three seen, nine users: not the ring's
    ]
    [out] = attach_owned([ring], groups, index)
    assert out is ring and not out.attached


def test_an_account_joins_one_ring_the_one_owning_more_of_the_identifier():
    index = _world()
    first, second = _ring([0, 1, 2, 3], index), _ring([4, 5, 6, 7, 8], index)
    groups = [_group("device", [0, 1, 2, 12, 13]),          # 3 of 5
              _group("instrument", [4, 5, 6, 7, 12])]       # 4 of 5: wins account 12
    a, b = attach_owned([first, second], groups, index)
    assert 12 in b.attached and 12 not in a.attached and 13 in a.attached
    # members of a ring are never moved to another
    c, d = attach_owned([first, second], [_group("device", [4, 5, 6, 0])], index)
    assert c is first and d is second
    # an account an investigator marked known-good is never attached
    excluded = np.zeros(len(index), bool)
    excluded[13] = True
    e, f = attach_owned([first, second], groups, index, exclude=excluded)
    assert 13 not in e.attached and 12 in f.attached


def test_rings_whose_members_share_no_card_or_device_are_returned_as_they_are():
    """Field report (matrix run): a world whose rings' members use no card or device
    that another account shares crashed the attachment (an empty index array)."""
    index = _world()
    ring = _ring([0, 1, 2], index)
    groups = [_group("device", [10, 11]), _group("ip", [0, 1, 2, 12])]
    assert attach_owned([ring], groups, index) == [ring]
    assert attach_owned([ring], [], index) == [ring]
