"""Spanish and English words, numbers and dates for the report.

Spanish follows the convention the issue asks for ("86,9"; "30.046"; "septiembre de 2024"); English uses
"86.9", "30,046", "September 2024".
"""

from __future__ import annotations

from datetime import date

LANGS = ("es", "en")

MONTHS = {
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
MONTHS_SHORT = {
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}

#: d3 locales for Vega (vl-convert): numbers and dates inside the charts
FORMAT_LOCALE = {
    "es": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " $"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
}
TIME_LOCALE = {
    lang: {
        "dateTime": "%A, %e de %B de %Y, %X" if lang == "es" else "%x, %X",
        "date": "%d/%m/%Y" if lang == "es" else "%-m/%-d/%Y",
        "time": "%H:%M:%S" if lang == "es" else "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": (["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"] if lang == "es" else
                 ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]),
        "shortDays": (["dom", "lun", "mar", "mié", "jue", "vie", "sáb"] if lang == "es" else
                      ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
        "months": MONTHS[lang],
        "shortMonths": MONTHS_SHORT[lang],
    }
    for lang in LANGS
}


def number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (es) / '1,234.5' (en); None -> '–'."""
    if value is None or value != value:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "es":
        # grouped consistently (1.205 as well as 30.046) so that table columns line up
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def pct(value: float | None, lang: str, decimals: int = 1, signed: bool = True) -> str:
    if value is None or value != value:
        return "–"
    sign = "+" if signed and value > 0 else ("−" if value < 0 else "")
    return f"{sign}{number(abs(value), lang, decimals)}{' %' if lang == 'es' else '%'}"


def month(d: date, lang: str) -> str:
    """date(2024, 9, 1) -> 'septiembre de 2024' / 'September 2024'."""
    return f"{MONTHS[lang][d.month - 1]} de {d.year}" if lang == "es" else f"{MONTHS[lang][d.month - 1]} {d.year}"


def day(d: date, lang: str) -> str:
    return f"{d.day} de {MONTHS[lang][d.month - 1]} de {d.year}" if lang == "es" else \
        f"{d.day} {MONTHS[lang][d.month - 1]} {d.year}"


ADMINISTRATIONS = {
    "calderon": {"es": "Calderón", "en": "Calderón"},
    "pena_nieto": {"es": "Peña Nieto", "en": "Peña Nieto"},
    "lopez_obrador": {"es": "López Obrador", "en": "López Obrador"},
    "sheinbaum": {"es": "Sheinbaum", "en": "Sheinbaum"},
}

T = {
    "title": {"es": "Observatorio usmx: violencia y crimen organizado en México",
              "en": "usmx observatory: violence and organized crime in Mexico"},
    "subtitle": {"es": "Datos oficiales de México (SESNSP, INEGI, CONAPO) y de EE. UU. (CBP, CDC), procesados de forma "
                       "reproducible.",
                 "en": "Official Mexican (SESNSP, INEGI, CONAPO) and US (CBP, CDC) data, processed reproducibly."},
    "data_through": {"es": "Datos hasta", "en": "Data through"},
    "generated": {"es": "Generado el", "en": "Generated on"},
    "headline": {"es": "En resumen", "en": "At a glance"},
    "daily_avg_label": {"es": "víctimas de homicidio doloso por día en", "en": "intentional homicide victims per day in"},
    "vs_year": {"es": "frente al mismo mes de un año antes", "en": "against the same month a year earlier"},
    "vs_admin": {"es": "frente al promedio del sexenio de", "en": "against the average under"},
    "so_far": {"es": "(en curso)", "en": "(so far)"},
    "series_title": {"es": "Víctimas de homicidio doloso por día, nacional, mensual",
                     "en": "Intentional homicide victims per day, national, monthly"},
    "series_note": {"es": "Las franjas marcan los sexenios; las líneas verticales, los cambios de serie del SESNSP.",
                    "en": "Bands mark administrations; vertical lines mark SESNSP series breaks."},
    "map_title": {"es": "Tasa de homicidio doloso de los últimos 12 meses, por estado",
                  "en": "Intentional homicide rate over the latest 12 months, by state"},
    "rate_unit": {"es": "víctimas por 100 mil habitantes", "en": "victims per 100,000 inhabitants"},
    "ranking": {"es": "Clasificación", "en": "Ranking"},
    "state": {"es": "Estado", "en": "State"},
    "rate": {"es": "Tasa", "en": "Rate"},
    "victims": {"es": "Víctimas", "en": "Victims"},
    "groups_title": {"es": "Otros delitos", "en": "Other crimes"},
    "groups_note": {"es": "Conteos nacionales mensuales. Víctimas (archivo IDVFC) donde el SESNSP las registra; "
                          "carpetas de investigación (IDEFC) en los demás.",
                    "en": "National monthly counts. Victims (IDVFC file) where SESNSP records them; criminal "
                          "investigations (IDEFC) otherwise."},
    "admins_title": {"es": "Por sexenio", "en": "By administration"},
    "admins_note": {"es": "Promedio diario en los meses que cubre cada fuente. Las fuentes no se mezclan: el SESNSP "
                          "(metodología vigente) empieza en enero de 2015; los registros de defunción del INEGI "
                          "cubren los sexenios anteriores.",
                    "en": "Daily average over the months each source covers. Sources are not mixed: SESNSP's "
                          "current method starts in January 2015; INEGI death records cover earlier terms."},
    "administration": {"es": "Sexenio", "en": "Administration"},
    "group": {"es": "Delito", "en": "Crime"},
    "source": {"es": "Fuente", "en": "Source"},
    "coverage": {"es": "Cobertura", "en": "Coverage"},
    "daily_average": {"es": "Promedio diario", "en": "Daily average"},
    "rate_year": {"es": "Tasa anual por 100 mil", "en": "Yearly rate per 100,000"},
    "change": {"es": "Cambio vs. anterior", "en": "Change vs. previous"},
    "anomalies_title": {"es": "Meses fuera de lo esperado", "en": "Months outside the expected range"},
    "anomalies_note": {"es": "Meses de los últimos tres años cuyo número de víctimas se aleja de la tendencia "
                             "estacional del estado (STL robusto) más de 4 desviaciones robustas.",
                       "en": "Months of the last three years whose victims depart from the state's seasonal trend "
                             "(robust STL) by more than 4 robust standard deviations."},
    "month": {"es": "Mes", "en": "Month"},
    "observed": {"es": "Observado", "en": "Observed"},
    "expected": {"es": "Esperado", "en": "Expected"},
    "why": {"es": "Por qué", "en": "Why"},
    "none": {"es": "Ninguno.", "en": "None."},
    "records_title": {"es": "Récords", "en": "Records"},
    "records_note": {"es": "Peor mes y peor año completo desde enero de 2015.",
                     "en": "Worst month and worst complete year since January 2015."},
    "worst_month": {"es": "Peor mes", "en": "Worst month"},
    "worst_year": {"es": "Peor año", "en": "Worst year"},
    "months_ago": {"es": "Hace (meses)", "en": "Months ago"},
    "inegi_title": {"es": "Registros de defunción (INEGI) y registros policiales (SESNSP)",
                    "en": "Death records (INEGI) and police records (SESNSP)"},
    "inegi_note": {"es": "Homicidios por año de registro (INEGI) y víctimas de homicidio doloso y feminicidio "
                         "(SESNSP). Son fuentes distintas: no se comparan años sin ambas.",
                   "en": "Homicides by year of registration (INEGI) and intentional homicide plus feminicide "
                         "victims (SESNSP). Different sources: years without both are not compared."},
    "sources_title": {"es": "Fuentes y procedencia", "en": "Sources and provenance"},
    "sources_note": {"es": "Cada archivo cargado, con su huella SHA-256 y su corte. Definiciones de los "
                           "indicadores usados en este reporte:",
                     "en": "Every file loaded, with its SHA-256 fingerprint and cut-off. Definitions of the "
                           "indicators used in this report:"},
    "file": {"es": "Archivo", "en": "File"},
    "kind": {"es": "Tipo", "en": "Kind"},
    "vintage": {"es": "Corte", "en": "Vintage"},
    "rows": {"es": "Filas", "en": "Rows"},
    "loaded": {"es": "Cargado", "en": "Loaded"},
    "source_line": {"es": "Fuente", "en": "Source"},
    "no_data": {"es": "Sin datos cargados para esta sección. Cargue los archivos con `usmx ingest` o `usmx fetch`.",
                "en": "No data loaded for this section. Load the files with `usmx ingest` or `usmx fetch`."},
    "year": {"es": "Año", "en": "Year"},
    "value_per_day": {"es": "víctimas por día", "en": "victims per day"},
    "inegi_series": {"es": "INEGI: defunciones por homicidio", "en": "INEGI: homicide deaths"},
    "sesnsp_series": {"es": "SESNSP: víctimas (doloso + feminicidio)", "en": "SESNSP: victims (intentional + feminicide)"},
    "fentanyl_title": {"es": "El fentanilo y la frontera", "en": "Fentanyl and the border"},
    "fentanyl_lead": {"es": "libras de fentanilo decomisadas por la CBP en el año fiscal",
                      "en": "pounds of fentanyl seized by CBP in fiscal year"},
    "sw_share": {"es": "en la frontera suroeste", "en": "at the southwest border"},
    "fytd": {"es": "en lo que va del año fiscal", "en": "so far in fiscal year"},
    "seizures_chart": {"es": "Fentanilo decomisado por mes y región (libras)",
                       "en": "Fentanyl seized by month and region (pounds)"},
    "overdoses_chart": {"es": "Muertes por sobredosis en EE. UU. en los 12 meses previos (CDC)",
                        "en": "US overdose deaths in the previous 12 months (CDC)"},
    "all_drugs": {"es": "Todas las drogas", "en": "All drugs"},
    "synthetic": {"es": "Opioides sintéticos (T40.4, sobre todo fentanilo)",
                  "en": "Synthetic opioids (T40.4, mostly fentanyl)"},
    "fy": {"es": "Año fiscal", "en": "Fiscal year"},
    "lbs_total": {"es": "Libras, total", "en": "Pounds, total"},
    "lbs_sw": {"es": "Libras, frontera suroeste", "en": "Pounds, southwest border"},
    "events": {"es": "Eventos", "en": "Events"},
    "months_col": {"es": "Meses", "en": "Months"},
    "ccf_title": {"es": "¿Se mueven juntos los decomisos y las muertes?",
                  "en": "Do seizures and deaths move together?"},
    "fy_note": {"es": "El año fiscal de EE. UU. va de octubre a septiembre.",
                "en": "The US fiscal year runs from October to September."},
    "migration_title": {"es": "Migración", "en": "Migration"},
    "migration_lead": {"es": "encuentros en la frontera suroeste en el año fiscal",
                       "en": "encounters at the southwest border in fiscal year"},
    "encounters_chart": {"es": "Encuentros mensuales en la frontera suroeste, por grupo demográfico",
                         "en": "Monthly encounters at the southwest border, by demographic"},
    "citizenship": {"es": "Nacionalidad", "en": "Citizenship"},
    "encounters": {"es": "Encuentros", "en": "Encounters"},
    "top_citizenship": {"es": "Principales nacionalidades en el año fiscal", "en": "Top citizenships in fiscal year"},
    "eval_title": {"es": "¿Funciona la estrategia?", "en": "Is the strategy working?"},
    "eval_lead": {"es": "Cambio de las víctimas de homicidio doloso desde octubre de 2024 frente a lo que la "
                        "tendencia previa anticipaba", "en": "Change in intentional homicide victims since October "
                        "2024 against what the previous trend anticipated"},
    "interval": {"es": "intervalo de 95 %", "en": "95% interval"},
    "placebo": {"es": "Frente a intervenciones ficticias en años anteriores, el efecto ocupa el lugar",
                "en": "Against fake interventions in earlier years, the effect ranks"},
    "of": {"es": "de", "en": "of"},
    "second": {"es": "Modelo de espacio de estados (SARIMAX)", "en": "State-space model (SARIMAX)"},
    "reclass_title": {"es": "¿Se están reclasificando homicidios?", "en": "Are homicides being reclassified?"},
    "reclass_note": {"es": "Estados donde bajó el homicidio doloso y subió otra categoría por cada 100 víctimas de "
                           "homicidio, más allá de su propia historia (Mann-Whitney, corrección de Holm, p < 0,05). "
                           "Una señal para revisar, no una prueba.",
                     "en": "States where intentional homicide fell and another category rose per 100 homicide "
                           "victims beyond its own history (Mann-Whitney, Holm correction, p < 0.05). A reason to "
                           "look, not proof."},
    "candidate": {"es": "Categoría", "en": "Category"},
    "per100_before": {"es": "Por 100, antes", "en": "Per 100, before"},
    "per100_after": {"es": "Por 100, después", "en": "Per 100, after"},
    "hom_change": {"es": "Homicidio doloso", "en": "Intentional homicide"},
    "caveats": {"es": "Lo que los datos pueden y no pueden decir: el contrafactual supone que la tendencia y la "
                      "estacionalidad de los 60 meses previos habrían seguido igual; una caída puede continuar una "
                      "tendencia que ya existía; con pocos meses posteriores el estimado es frágil; y si las "
                      "muertes se registran en otras categorías, la caída del homicidio doloso exagera la mejora.",
                "en": "What the data can and cannot say: the counterfactual assumes that the trend and seasonality "
                      "of the previous 60 months would have continued; a fall may continue a trend that already "
                      "existed; with few post-period months the estimate is fragile; and if killings are recorded "
                      "under other categories, the fall in intentional homicide overstates the improvement."},
    "coop_title": {"es": "Cooperación México-EE. UU.", "en": "US-Mexico cooperation"},
    "coop_note": {"es": "Proporción de los eventos México-EE. UU. en las noticias (GDELT) que son de cooperación "
                        "militar, judicial o de inteligencia (CAMEO 062-064), promedio móvil de 3 meses. Mide la "
                        "cooperación reportada, no la cooperación misma. Líneas punteadas: eventos del registro "
                        "bilateral.",
                  "en": "Share of US-Mexico events in the news (GDELT) that are military, judicial or intelligence "
                        "cooperation (CAMEO 062-064), 3-month moving average. It measures reported cooperation, not "
                        "cooperation itself. Dotted lines: events of the bilateral ledger."},
    "coop_empty": {"es": "No hay eventos de GDELT cargados. Descárguelos con: usmx fetch gdelt --from 2018-01-01 "
                         "--to 2025-12-31 (o analice archivos sin cargarlos con usmx indicator cooperation_index "
                         "--events 'carpeta/*.export.CSV.zip').",
                   "en": "No GDELT events loaded. Download them with: usmx fetch gdelt --from 2018-01-01 --to "
                         "2025-12-31 (or analyse files in place with usmx indicator cooperation_index --events "
                         "'folder/*.export.CSV.zip')."},
    "ledger_title": {"es": "Registro de eventos bilaterales", "en": "Ledger of bilateral events"},
    "date": {"es": "Fecha", "en": "Date"},
    "event": {"es": "Evento", "en": "Event"},
    "reach_title": {"es": "Alcance de los grupos criminales", "en": "Criminal reach"},
    "reach_note": {"es": "Eventos de ACLED que nombran a un grupo criminal mexicano como actor o actor asociado "
                         "(lista curada de alias).",
                   "en": "ACLED events naming a Mexican criminal group as an actor or associated actor (curated "
                         "alias list)."},
    "reach_empty": {"es": "No hay eventos de ACLED cargados. ACLED requiere una cuenta: defina ACLED_USERNAME y "
                          "ACLED_PASSWORD y ejecute usmx fetch acled.",
                    "en": "No ACLED events loaded. ACLED needs an account: set ACLED_USERNAME and ACLED_PASSWORD and "
                          "run usmx fetch acled."},
    "states_reached": {"es": "Estados", "en": "States"},
    "countries_reached": {"es": "Países fuera de México", "en": "Countries outside Mexico"},
    "fatalities": {"es": "Víctimas mortales", "en": "Fatalities"},
    "events_col": {"es": "Eventos", "en": "Events"},
    "reach_map": {"es": "Eventos por estado en", "en": "Events by state in"},
    "footer": {"es": "usmx es software libre. Cifras calculadas por usmx a partir de archivos oficiales; "
                     "revise las definiciones antes de citarlas.",
               "en": "usmx is free software. Figures computed by usmx from official files; check the definitions "
                     "before quoting them."},
}


def t(key: str, lang: str) -> str:
    return T[key][lang]
