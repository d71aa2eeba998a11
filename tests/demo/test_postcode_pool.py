"""The demo's postcodes (app/demo/postcodes.py): about 16 people a postcode and a bounded number of
postcodes an outward code, whatever the size of the district, so a search by postcode, or by a name
with the first half of one, finds as many people in a big district as in a small one."""

from collections import Counter

import pytest

from app.demo.district import NETWORKS
from app.demo.postcodes import OUTWARD_POSTCODES, PEOPLE_PER_POSTCODE, postcode_pools
from app.front_door import search

WEIGHTS = [16, 16, 14, 14, 14, 13, 13]
FIRST = {n: outward for n, (_, _, outward) in enumerate(NETWORKS, start=1)}


def _pools(people: int) -> dict[int, list[str]]:
    return postcode_pools({n: people * w // sum(WEIGHTS) for n, w in enumerate(WEIGHTS, start=1)}, FIRST)


@pytest.mark.parametrize("people", [2_000, 20_000, 400_000, 2_400_000])
def test_a_postcode_holds_about_sixteen_people_at_any_size(people):
    pools = _pools(people)
    for network, pool in pools.items():
        expected = people * WEIGHTS[network - 1] // sum(WEIGHTS)
        assert len(set(pool)) == len(pool)
        assert 0.9 * PEOPLE_PER_POSTCODE <= expected / len(pool) <= 1.1 * PEOPLE_PER_POSTCODE, (people, network)


@pytest.mark.parametrize("people", [2_000, 400_000, 2_400_000])
def test_an_outward_code_holds_a_bounded_number_of_postcodes_and_belongs_to_one_network(people):
    pools = _pools(people)
    owners: dict[str, set[int]] = {}
    per_outward: Counter[str] = Counter()
    for network, pool in pools.items():
        assert pool[0].split()[0] == FIRST[network]  # a network's own outward code comes first
        for postcode in pool:
            outward = postcode.split()[0]
            owners.setdefault(outward, set()).add(network)
            per_outward[outward] += 1
    assert all(len(networks) == 1 for networks in owners.values())
    assert max(per_outward.values()) <= OUTWARD_POSTCODES


def test_every_postcode_reads_as_a_postcode_and_its_first_half_as_an_outward_code():
    for pool in _pools(400_000).values():
        for postcode in pool[:: len(pool) // 50 or 1]:
            outward = postcode.split()[0]
            assert search.parse(postcode).postcode == search.postcode_key(postcode), postcode
            assert search.parse(f"smith {outward}").postcode_outward == outward, postcode


def test_a_small_district_keeps_to_its_networks_own_outward_codes():
    assert {p.split()[0] for pool in _pools(2_000).values() for p in pool} == set(FIRST.values())
