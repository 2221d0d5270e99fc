"""A deterministic synthetic data set: service points along the Colombia -> Mexico route.

Most points cluster around the places people on the move actually pass (Necoclí, the
Darién reception stations, Paso Canoas, Managua, Danlí, Tecún Umán, Tapachula, Mexico
City, the northern border towns); the rest are scattered around cities across the
Americas. Texts are in Spanish, English and French, categories and hours are realistic,
and the same ``seed`` always yields the same rows (ids, UUIDs, coordinates, texts).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers

from app.geo.text import normalise_text

__all__ = [
    "GENERATOR_VERSION",
    "ROUTE",
    "SCATTER",
    "BenchPoint",
    "Place",
    "generate",
    "organisations",
]

# Bump when the generated rows change, so cached databases are rebuilt.
GENERATOR_VERSION = 3
EPOCH = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
_KM_PER_DEG = 111.32


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country: str
    lat: float
    lon: float
    timezone: str
    weight: float
    languages: tuple[str, ...] = ("es",)


# The route north, with a weight for how many services each place gathers.
ROUTE = (
    Place("Necoclí", "CO", 8.4265, -76.7836, "America/Bogota", 6),
    Place("Capurganá", "CO", 8.6333, -77.35, "America/Bogota", 2),
    Place("Acandí", "CO", 8.5122, -77.2786, "America/Bogota", 1.5),
    Place("Turbo", "CO", 8.0926, -76.7282, "America/Bogota", 2),
    Place("Bajo Chiquito", "PA", 8.065, -77.545, "America/Panama", 1.5),
    Place("Lajas Blancas", "PA", 8.292, -77.728, "America/Panama", 2.5),
    Place("San Vicente", "PA", 8.404, -78.094, "America/Panama", 2.5),
    Place("Metetí", "PA", 8.4997, -77.9775, "America/Panama", 1),
    Place("Ciudad de Panamá", "PA", 8.9824, -79.5199, "America/Panama", 5),
    Place("Paso Canoas", "CR", 8.5333, -82.8333, "America/Costa_Rica", 3),
    Place("San José", "CR", 9.9281, -84.0907, "America/Costa_Rica", 4),
    Place("Peñas Blancas", "CR", 11.2128, -85.6126, "America/Costa_Rica", 2),
    Place("Managua", "NI", 12.1364, -86.2514, "America/Managua", 3),
    Place("Trojes", "HN", 14.065, -85.98, "America/Tegucigalpa", 1.5),
    Place("Danlí", "HN", 14.0333, -86.5833, "America/Tegucigalpa", 3),
    Place("Tegucigalpa", "HN", 14.0723, -87.1921, "America/Tegucigalpa", 4),
    Place("San Pedro Sula", "HN", 15.5042, -88.025, "America/Tegucigalpa", 3),
    Place("Esquipulas", "GT", 14.5667, -89.35, "America/Guatemala", 1.5),
    Place("Ciudad de Guatemala", "GT", 14.6349, -90.5069, "America/Guatemala", 4),
    Place("Tecún Umán", "GT", 14.6778, -92.1383, "America/Guatemala", 3),
    Place("Tapachula", "MX", 14.9059, -92.2636, "America/Mexico_City", 7),
    Place("Oaxaca", "MX", 17.0732, -96.7266, "America/Mexico_City", 2),
    Place("Ciudad de México", "MX", 19.4326, -99.1332, "America/Mexico_City", 8),
    Place("Monterrey", "MX", 25.6866, -100.3161, "America/Monterrey", 3),
    Place("Reynosa", "MX", 26.0508, -98.2979, "America/Matamoros", 3),
    Place("Matamoros", "MX", 25.8691, -97.5027, "America/Matamoros", 2),
    Place("Ciudad Juárez", "MX", 31.6904, -106.4245, "America/Ciudad_Juarez", 4),
    Place("Mexicali", "MX", 32.6245, -115.4523, "America/Tijuana", 2),
    Place("Tijuana", "MX", 32.5149, -117.0382, "America/Tijuana", 6),
)

# Cities across the Americas with services for migrants, spread wide around each.
SCATTER = (
    Place("Bogotá", "CO", 4.711, -74.0721, "America/Bogota", 3),
    Place("Cúcuta", "CO", 7.8939, -72.5078, "America/Bogota", 2),
    Place("Medellín", "CO", 6.2442, -75.5812, "America/Bogota", 2),
    Place("Caracas", "VE", 10.4806, -66.9036, "America/Caracas", 1),
    Place("Quito", "EC", -0.1807, -78.4678, "America/Guayaquil", 2),
    Place("Lima", "PE", -12.0464, -77.0428, "America/Lima", 2),
    Place("Santiago", "CL", -33.4489, -70.6693, "America/Santiago", 1.5),
    Place("Buenos Aires", "AR", -34.6037, -58.3816, "America/Argentina/Buenos_Aires", 1),
    Place("São Paulo", "BR", -23.5505, -46.6333, "America/Sao_Paulo", 1, ("pt", "es")),
    Place("Boa Vista", "BR", 2.8235, -60.6758, "America/Boa_Vista", 1, ("pt", "es")),
    Place("Port-au-Prince", "HT", 18.5944, -72.3074, "America/Port-au-Prince", 1, ("fr", "ht")),
    Place("Santo Domingo", "DO", 18.4861, -69.9312, "America/Santo_Domingo", 1),
    Place("La Habana", "CU", 23.1136, -82.3666, "America/Havana", 0.5),
    Place("Miami", "US", 25.7617, -80.1918, "America/New_York", 1, ("en", "es")),
    Place("Houston", "US", 29.7604, -95.3698, "America/Chicago", 1, ("en", "es")),
    Place("El Paso", "US", 31.7619, -106.485, "America/Denver", 1, ("en", "es")),
    Place("San Diego", "US", 32.7157, -117.1611, "America/Los_Angeles", 1, ("en", "es")),
    Place("New York", "US", 40.7128, -74.006, "America/New_York", 1, ("en", "es")),
    Place("Montréal", "CA", 45.5019, -73.5674, "America/Toronto", 0.7, ("fr", "en")),
    Place("Toronto", "CA", 43.6532, -79.3832, "America/Toronto", 0.5, ("en", "fr")),
)

ROUTE_SHARE = 0.8

# (code, weight, {lang: name pattern}); ``{n}`` is a proper name, ``{p}`` the place.
CATEGORIES = (
    (
        "shelter",
        5,
        {"es": "Albergue {n}", "en": "{n} Shelter", "fr": "Foyer d'accueil {n}"},
    ),
    ("food", 4, {"es": "Comedor {n}", "en": "{n} Soup Kitchen", "fr": "Cantine solidaire {n}"}),
    ("water", 2, {"es": "Punto de agua {n}", "en": "{n} Water Point", "fr": "Point d'eau {n}"}),
    (
        "health_primary",
        3,
        {"es": "Puesto de salud {n}", "en": "{n} Health Post", "fr": "Poste de santé {n}"},
    ),
    (
        "health_mental",
        1,
        {
            "es": "Apoyo psicosocial {n}",
            "en": "{n} Psychosocial Support",
            "fr": "Soutien psychosocial {n}",
        },
    ),
    ("health_srh", 1, {"es": "Clínica {n}", "en": "{n} Women's Clinic", "fr": "Clinique {n}"}),
    (
        "migration_office",
        1,
        {"es": "Oficina de migración de {p}", "en": "{p} Migration Office", "fr": "Bureau {p}"},
    ),
    ("legal_aid", 2, {"es": "Asesoría legal {n}", "en": "{n} Legal Aid", "fr": "Aide juridique"}),
    (
        "information_point",
        2,
        {"es": "Punto de información {n}", "en": "{n} Info Point", "fr": "Point info {n}"},
    ),
    (
        "phone_charging_wifi",
        2,
        {"es": "Carga y wifi {n}", "en": "{n} Charging & Wi-Fi", "fr": "Recharge et wifi {n}"},
    ),
    (
        "child_protection",
        1,
        {"es": "Espacio amigable {n}", "en": "{n} Child-Friendly Space", "fr": "Espace ami {n}"},
    ),
    ("hygiene", 1, {"es": "Duchas {n}", "en": "{n} Showers", "fr": "Douches {n}"}),
    ("money_transfer", 1, {"es": "Remesas {n}", "en": "{n} Money Transfer", "fr": "Transfert {n}"}),
    ("humanitarian_aid", 2, {"es": "Ayuda {n}", "en": "{n} Aid Point", "fr": "Aide {n}"}),
)

PROPER_NAMES = (
    "La Esperanza",
    "San José",
    "Santa Marta",
    "Nueva Vida",
    "Casa del Migrante",
    "El Buen Samaritano",
    "Scalabrini",
    "Belén",
    "Jesús Migrante",
    "La Frontera",
    "Los Ángeles",
    "San Francisco",
    "Santa Rosa",
    "Nuestra Señora de Guadalupe",
    "El Camino",
    "La Paz",
    "Solidaridad",
    "Hermanos en el Camino",
    "La Posada",
    "Manos Abiertas",
    "Cruz Blanca",
    "El Refugio",
    "Madre Asunta",
    "Padre Chava",
    "Tochán",
    "Casa Tochan",
    "Sin Fronteras",
    "Río Bravo",
    "El Faro",
    "Juntos",
)

DESCRIPTIONS = {
    "es": (
        "Atención gratuita para personas migrantes y refugiadas. {c}. Traiga su documento si lo "
        "tiene; nadie es rechazado por no tenerlo."
    ),
    "en": (
        "Free services for migrants and refugees. {c}. Bring your ID if you have one; nobody is "
        "turned away without it."
    ),
    "fr": (
        "Services gratuits pour les personnes migrantes et réfugiées. {c}. Apportez une pièce "
        "d'identité si vous en avez une ; personne n'est refusé sans elle."
    ),
}

HOURS = (
    ("24/7", 3),
    ("Mo-Fr 08:00-17:00", 5),
    ("Mo-Sa 07:00-19:00; Su 08:00-12:00", 3),
    ("Mo-Fr 08:00-12:00,14:00-18:00", 2),
    ("Mo-Su 06:00-22:00", 2),
    ("Tu,Th 09:00-13:00", 1),
    ("Mo-Fr 18:00-08:00; Sa,Su 00:00-24:00", 1),
)

AUDIENCES = ("children", "unaccompanied_minors", "women", "families", "lgbtiq", "older_persons")
STATUSES = (("published", 94), ("temporarily_closed", 3), ("draft", 2), ("permanently_closed", 1))
ORGANISATIONS = 24


@dataclass(slots=True)
class BenchPoint:
    """One generated point with its child rows, ready for bulk insertion."""

    id: int
    public_id: str
    external_id: str
    organization: int
    lat: float
    lon: float
    country: str
    locality: str
    timezone: str
    phones: list[str]
    email: str | None
    website: str | None
    whatsapp: str | None
    opening_hours: str
    free: bool
    status: str
    original_language: str
    last_verified_at: dt.datetime | None
    verified_by: int | None
    updated_at: dt.datetime
    search_text: str
    translations: dict[str, dict[str, str | None]] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    spoken_languages: list[str] = field(default_factory=list)


def organisations() -> list[tuple[str, str]]:
    """(slug, name) of the organisations that own the generated points."""
    kinds = ("Fundación", "Red", "Misión", "Servicio", "Cruz", "Pastoral")
    return [
        (f"bench-org-{k:02d}", f"{kinds[k % len(kinds)]} Rumbo {k:02d}")
        for k in range(ORGANISATIONS)
    ]


@lru_cache(maxsize=64)
def _phones(country: str) -> tuple[str, ...]:
    """Valid mobile numbers of ``country`` (so imports of exported rows validate)."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return ()
    base = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    pool = []
    for suffix in range(200):
        candidate = f"{base[:-3]}{suffix:03d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            pool.append(candidate)
    return tuple(pool)


@lru_cache(maxsize=65536)
def _normalised(value: str) -> str:
    return normalise_text(value)


def _weighted(rng: random.Random, items: tuple[tuple[str, int], ...]) -> str:
    values, cumulative = _cumulative(items)
    return rng.choices(values, cum_weights=cumulative)[0]


@lru_cache(maxsize=16)
def _cumulative(items: tuple[tuple[str, int], ...]) -> tuple[list[str], list[float]]:
    return [v for v, _ in items], list(itertools.accumulate(w for _, w in items))


def _scatter(rng: random.Random, place: Place, sigma_km: float) -> tuple[float, float]:
    dlat = rng.gauss(0.0, sigma_km) / _KM_PER_DEG
    dlon = rng.gauss(0.0, sigma_km) / (_KM_PER_DEG * math.cos(math.radians(place.lat)))
    lat = max(-89.9, min(89.9, place.lat + dlat))
    lon = (place.lon + dlon + 540.0) % 360.0 - 180.0
    return round(lat, 6), round(lon, 6)


def generate(count: int, *, seed: int = 2026, first_id: int = 1) -> Iterator[BenchPoint]:
    """``count`` points, identical for the same ``seed``; ids start at ``first_id``."""
    rng = random.Random(seed)
    category_codes = tuple(c for c, _, _ in CATEGORIES)
    category_weights = list(itertools.accumulate(w for _, w, _ in CATEGORIES))
    names = {c: n for c, _, n in CATEGORIES}
    route_weights = list(itertools.accumulate(p.weight for p in ROUTE))
    scatter_weights = list(itertools.accumulate(p.weight for p in SCATTER))
    for i in range(count):
        on_route = rng.random() < ROUTE_SHARE
        if on_route:
            place = rng.choices(ROUTE, cum_weights=route_weights)[0]
            # A dense core, a town-sized ring and a regional halo.
            sigma = rng.choices((0.8, 3.0, 12.0), weights=(5, 4, 2))[0]
        else:
            place = rng.choices(SCATTER, cum_weights=scatter_weights)[0]
            sigma = rng.choices((2.0, 15.0, 120.0), weights=(3, 4, 3))[0]
        lat, lon = _scatter(rng, place, sigma)
        codes = list(
            dict.fromkeys(
                rng.choices(
                    category_codes, cum_weights=category_weights, k=rng.choice((1, 1, 2, 3))
                )
            )
        )
        proper = rng.choice(PROPER_NAMES)
        original = place.languages[0]
        langs = {original, "es"}
        if rng.random() < 0.7:
            langs.add("en")
        if rng.random() < 0.4:
            langs.add("fr")
        number = f"{rng.randint(1, 120)} # {rng.randint(1, 99)}-{rng.randint(1, 99)}, "
        translations: dict[str, dict[str, str | None]] = {}
        parts: list[str] = []
        for lang in sorted(langs):
            pattern = names[codes[0]].get(lang) or names[codes[0]]["es"]
            other = ", ".join(
                names[c].get(lang, names[c]["es"]).format(n="", p=place.name).strip()
                for c in codes[1:]
            )
            text = {
                "name": pattern.format(n=proper, p=place.name),
                "description": DESCRIPTIONS.get(lang, DESCRIPTIONS["es"]).format(
                    c=other or place.name
                ),
                "address": f"Calle {number}{place.name}",
                "documents_required": None,
                "accessibility": None,
            }
            translations[lang] = text
            # The search document, as writing.refresh_search_text builds it (normalised
            # piece by piece: the generator is the bottleneck of a 1M-point load otherwise).
            parts += (
                _normalised(str(text["name"])),
                _normalised(str(text["description"])),
                f"calle {number}{_normalised(place.name)}",
            )
        status = _weighted(rng, STATUSES)
        verified_days = rng.randint(0, 400)
        verified = rng.random() < 0.85
        org = rng.randrange(ORGANISATIONS)
        pool = _phones(place.country)
        phone = pool[rng.randrange(len(pool))] if pool else None
        spoken = ["es"] + [t for t in ("en", "fr", "ht", "pt") if rng.random() < 0.12]
        parts.append(_normalised(place.name))
        yield BenchPoint(
            id=first_id + i,
            public_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            external_id=f"bench-{seed}-{i}",
            organization=org,
            lat=lat,
            lon=lon,
            country=place.country,
            locality=place.name,
            timezone=place.timezone,
            phones=[phone] if phone and rng.random() < 0.6 else [],
            email=f"contacto{org}@example.org" if rng.random() < 0.3 else None,
            website=f"https://example.org/{org}/{i}" if rng.random() < 0.3 else None,
            whatsapp=phone if phone and rng.random() < 0.4 else None,
            opening_hours=_weighted(rng, HOURS),
            free=rng.random() < 0.93,
            status=status,
            original_language=original,
            last_verified_at=EPOCH - dt.timedelta(days=verified_days) if verified else None,
            verified_by=org if verified and rng.random() < 0.7 else None,
            updated_at=EPOCH - dt.timedelta(days=verified_days, hours=rng.randint(0, 23)),
            # Category names and keywords are appended by the loader (it knows the taxonomy).
            search_text=" ".join(parts),
            translations=translations,
            categories=codes,
            audiences=sorted(set(rng.sample(AUDIENCES, k=rng.choice((0, 0, 1, 2))))),
            spoken_languages=spoken,
        )
