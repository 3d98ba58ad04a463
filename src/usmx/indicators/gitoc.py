"""The GI-TOC Global Organized Crime Index for one country, with its place among all countries scored.

Expert scores (1-10), biennial: context for usmx's own measures and a benchmark to validate them, not a measurement
of its own. Criminality scores rank 1 = the most organized crime; resilience scores rank 1 = the most resilient
(both are "highest score first", as GI-TOC ranks them).
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from .. import catalog
from ..errors import UsmxError
from . import indicator
from ._common import check_by, check_choice

SCORES = "core_gitoc__country_scores_yearly"
PILLARS = ("all", "criminality", "criminal_markets", "criminal_actors", "resilience")


@indicator("organized_crime_index")
def organized_crime_index(con, by: str = "year", country: str = "Mexico", pillar: str = "all") -> pa.Table:
    """GI-TOC Organized Crime Index scores of ``country`` (default Mexico) by edition year and indicator, with its
    rank among the countries scored that year, the world median and the change since the previous edition;
    ``pillar`` all (default), criminality, criminal_markets, criminal_actors or resilience."""
    check_by("organized_crime_index", by)
    pillar = check_choice("pillar", str(pillar), PILLARS)
    t = con.table(SCORES)
    names = t.select("country").distinct().to_pyarrow().column("country").to_pylist()
    folded = {catalog.normalise(n): n for n in names}
    name = folded.get(catalog.normalise(str(country)))
    if name is None and names:  # (an empty table gives an empty result, as every indicator does)
        raise UsmxError(f"no GI-TOC scores for {country!r}{catalog.suggest(str(country), names)}.")
    w = ibis.window(group_by=[t.year, t.oc_indicator], order_by=ibis.desc(t.score))
    ranked = t.mutate(
        rank=ibis.rank().over(w) + 1,
        countries=t.country.count().over(ibis.window(group_by=[t.year, t.oc_indicator])),
        world_median=t.score.median().over(ibis.window(group_by=[t.year, t.oc_indicator])),
    )
    mine = ranked.filter(ranked.country == name)
    if pillar != "all":
        mine = mine.filter(mine.oc_pillar == pillar)
    prev = ibis.window(group_by=mine.oc_indicator, order_by=mine.year)
    mine = mine.mutate(change=mine.score - mine.score.lag().over(prev))
    out = mine.select(mine.year, mine.oc_pillar, mine.oc_indicator, mine.score.name("value"), mine.country,
                      mine["rank"], mine.countries, mine.world_median,
                      mine.change).order_by(["year", "oc_pillar", "oc_indicator"])  # fmt: skip
    res = out.to_pyarrow()
    note = (
        "GI-TOC Global Organized Crime Index (ocindex.net): expert scores from 1 to 10, biennial. Criminality: higher "
        "is more organized crime; resilience: higher is stronger. rank 1 = the highest score that edition."
    )
    return res.replace_schema_metadata({b"note": note.encode()})
