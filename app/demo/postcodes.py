"""The demo district's postcodes: a pool for each network, sized to its people, so a postcode holds
about PEOPLE_PER_POSTCODE people and an outward code ("WF1") at most OUTWARD_POSTCODES postcodes,
whatever the size of the district. A bigger district covers more ground, as a real one would: more
postcodes and more outward codes, not more people in each. Searches by postcode, or by a name with
the first half of one, then find as many people at 400,000 people as at 20,000.

Each network starts with its own outward code (district.NETWORKS); the ones it needs beyond that
are made up (synthetic, like everything else here), each network taking its turn from one list."""

from itertools import product

PEOPLE_PER_POSTCODE = 16
SECTORS = range(1, 10)  # the digit after the space: "WF1 2AB" is in sector 2 of WF1
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's last two are drawn from
UNITS_PER_SECTOR = 40
OUTWARD_POSTCODES = len(SECTORS) * UNITS_PER_SECTOR  # 360 postcodes, about 5,800 people
_UNITS = ["".join(pair) for pair in product(UNIT_LETTERS, repeat=2)][:UNITS_PER_SECTOR]
# Where made-up outward codes come from: these areas, districts 1 to 99 in each.
_AREAS = ("WF", "LS", "BD", "HD", "HX", "DN", "HG", "YO", "OL", "HU", "LN", "SK")


def _outward(first: str) -> list[str]:
    """An outward code's postcodes, each sector's first unit before any sector's second, so a small
    pool still spreads over its sectors."""
    return [f"{first} {sector}{unit}" for unit in _UNITS for sector in SECTORS]


def postcode_pools(people_by_network: dict[int, int], first_outward: dict[int, str]) -> dict[int, list[str]]:
    """Each network's postcodes for its expected number of people: about one for each
    PEOPLE_PER_POSTCODE people (one at least), from its own outward code first, then from made-up
    ones handed out to the networks in turn as they need them."""
    taken = set(first_outward.values())
    spare = (f"{area}{district}" for area in _AREAS for district in range(1, 100) if f"{area}{district}" not in taken)
    wanted = {network: max(1, round(people / PEOPLE_PER_POSTCODE)) for network, people in people_by_network.items()}
    outwards = {network: [first_outward[network]] for network in wanted}
    while True:
        short = [n for n in sorted(wanted) if len(outwards[n]) * OUTWARD_POSTCODES < wanted[n]]
        if not short:
            break
        for network in short:
            outwards[network].append(next(spare))
    return {network: [code for first in outwards[network] for code in _outward(first)][: wanted[network]] for network in wanted}
