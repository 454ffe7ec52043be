"""Realistic demo workshops, built through the same services a real session uses: a
marathon on local food (:func:`create_demo`), and a « Soirée défis » of a Start-up de
Territoire played from end to end (:func:`create_evening_demo`)."""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..models import Challenge, Facilitator, Participant, Profile, Table, VolunteerKind, Workshop
from ..phases import Format, PhaseKind
from ..schemas import (
    JoinRequest,
    NewFacilitator,
    NewIdea,
    NewWorkshop,
    PhaseTarget,
    QualificationEdit,
    SuggestedGroup,
    TargetRef,
    VolunteerOffer,
    VoteSettingsChange,
    VoteTarget,
)
from ..schemas.tables import (
    ContributionFlag,
    HostChange,
    NewContribution,
    NewTables,
    SynthesisEdit,
)
from . import (
    accounts,
    agenda,
    challenges,
    idea_import,
    ideas,
    participants,
    qualification,
    seating,
    suggestions,
    tables,
    volunteers,
    votes,
    workshops,
)

DEMO_EMAIL = "demo@semis.invalid"

PARTICIPANTS = [
    ("Maëlle", Profile.CITIZEN),
    ("Karim B.", Profile.ASSOCIATION),
    ("Josiane", Profile.CITIZEN),
    ("Élu de Saint-Alban", Profile.ELECTED),
    ("La Ruche d'Ici", Profile.BUSINESS),
    ("Théo", Profile.PROJECT_HOLDER),
    ("Nadia", Profile.CITIZEN),
    ("AMAP des Bauges", Profile.ASSOCIATION),
    ("Pierre-Yves", Profile.OTHER),
    ("Sandrine M.", Profile.ELECTED),
]

# (author index, title, description, need)
IDEAS = [
    (
        0,
        "Une cantine scolaire 100 % locale",
        "Travailler avec les fermes à moins de 50 km pour les repas des écoles de la commune.",
        "Les enfants mangent des produits qui viennent de loin.",
    ),
    (
        1,
        "Un frigo solidaire devant la maison des associations",
        "Chacun dépose ce qu'il ne mange pas, chacun se sert. Un bénévole vérifie les dates.",
        "Des familles ont du mal à finir le mois, et on jette beaucoup.",
    ),
    (
        2,
        "Des cours de cuisine entre générations",
        "Les anciens montrent les recettes de saison, les jeunes apportent leurs idées.",
        "Les personnes âgées sont isolées ; les jeunes cuisinent peu.",
    ),
    (
        3,
        "Une légumerie pour la restauration collective",
        "Un atelier qui lave, épluche et coupe les légumes locaux pour les cantines et l'EHPAD.",
        "Les cantines n'ont pas le temps de préparer des légumes bruts.",
    ),
    (
        4,
        "Une épicerie de vrac itinérante",
        "Un camion qui passe une fois par semaine dans les villages sans commerce.",
        "Plus de commerce alimentaire dans six villages du plateau.",
    ),
    (
        5,
        "Un jardin partagé au pied des immeubles",
        "Des bacs potagers cultivés par les habitants, avec un animateur deux fois par mois.",
        "Peu d'espaces verts et peu de liens entre voisins dans le quartier.",
    ),
    (
        6,
        "Des paniers anti-gaspillage au marché",
        "À la fermeture, les producteurs vendent leurs invendus en paniers à petit prix.",
        "Les invendus du marché partent à la benne.",
    ),
    (
        7,
        "Une plateforme pour commander aux producteurs",
        "Un site simple où l'on commande le mardi et où l'on retire le vendredi.",
        "Les producteurs passent trop de temps à vendre, les habitants ne savent pas où acheter.",
    ),
    (
        8,
        "Composter les déchets de la cantine",
        "Un composteur collectif géré avec les élèves, le compost va au jardin partagé.",
        "",
    ),
    (
        9,
        "Un restaurant d'insertion avec des produits du coin",
        "Former des personnes éloignées de l'emploi aux métiers de la cuisine.",
        "Manque de cuisiniers et chômage de longue durée sur le territoire.",
    ),
    (
        0,
        "Un atelier conserves et bocaux en fin d'été",
        "Mutualiser un autoclave et apprendre à faire ses conserves avec les surplus.",
        "Beaucoup de tomates et de courgettes perdues en août.",
    ),
    (
        2,
        "Un potager pédagogique à l'école",
        "Chaque classe s'occupe d'un carré et découvre les saisons.",
        "",
    ),
    (
        6,
        "Une carte des producteurs en vente directe",
        "Une carte papier et en ligne, mise à jour par l'office de tourisme.",
        "On ne sait pas qui vend quoi, ni quand.",
    ),
    (
        4,
        "Un point de retrait dans la gare",
        "Les paniers des producteurs sont récupérés en rentrant du travail.",
        "Les horaires des marchés ne vont pas aux actifs.",
    ),
    (
        1,
        "Une cuisine partagée pour les petits traiteurs",
        "Louer à l'heure une cuisine aux normes pour lancer une activité.",
        "Créer une activité de traiteur coûte trop cher au départ.",
    ),
    (
        5,
        "Glaner les champs après la récolte",
        "Organiser des sorties de glanage avec les agriculteurs volontaires.",
        "",
    ),
]


# The défis the ideas were grouped into, with the indexes of their ideas in IDEAS.
CHALLENGES = [
    ("Comment pourrions-nous manger local à la cantine ?", (0, 3, 8, 11)),
    ("Comment pourrions-nous moins gaspiller ?", (1, 6, 10, 15)),
    ("Comment pourrions-nous rapprocher producteurs et habitants ?", (4, 7, 12, 13)),
    ("Comment pourrions-nous créer du lien et des emplois autour de la cuisine ?", (2, 5, 9, 14)),
]

# The qualification sheet of the first défi, as a Fabrique would fill it after the vote.
SHEET = {
    "need_who": "Les 1 400 enfants des écoles du territoire et leurs familles.",
    "need_where": "Les cinq cantines scolaires de la communauté de communes.",
    "need_evidence": "Moins de 10 % de produits locaux dans les menus (diagnostic 2025) ; "
    "les agriculteurs disent manquer de débouchés réguliers.",
    "target_public": "Cantines scolaires, EHPAD, producteurs maraîchers.",
    "territory": "Communauté de communes du Cœur des Bauges",
    "insee_code": "73010",
    "solution": "Une légumerie qui lave, épluche et coupe les légumes locaux pour la "
    "restauration collective, avec un approvisionnement planifié avec les fermes.",
    "existing_offer": "Une légumerie à 60 km, saturée ; pas d'offre sur le territoire.",
    "partners": "Communauté de communes, chambre d'agriculture, AMAP des Bauges, EHPAD.",
    "economic_potential": "Environ 40 tonnes de légumes par an ; deux emplois à terme.",
    "potential_holders": "La Ruche d'Ici (SCIC en projet) ; un chantier d'insertion.",
    "maturity": "project",
    "next_step": "Étude d'opportunité avec les cantines au premier trimestre.",
    "stage": "opportunity_study",
}

# Each participant's five dots, as idea indexes into IDEAS: a clear winner, a tie for
# second place, and a long tail, as in a real room.
BALLOTS = [
    (0, 1, 3, 6, 9),
    (0, 1, 3, 7, 12),
    (0, 3, 4, 9, 13),
    (1, 3, 5, 8, 10),
    (0, 1, 2, 9, 14),
    (0, 3, 6, 11, 15),
    (0, 1, 4, 7, 12),
    (0, 2, 3, 9, 10),
    (1, 5, 6, 13, 14),
    (0, 1, 3, 8, 11),
]


@dataclass(frozen=True)
class DemoResult:
    workshop: Workshop
    facilitator: Facilitator
    password: str | None  # set when a demo account was created


def _owner(email: str | None) -> tuple[Facilitator, str | None]:
    if email:
        facilitator = accounts.get_by_email(email)
        if facilitator is None:
            raise LookupError(f"no facilitator with email {email}")
        return facilitator, None
    first = db.session.scalar(select(Facilitator).order_by(Facilitator.id).limit(1))
    if first is not None:
        return first, None
    password = secrets.token_urlsafe(12)
    facilitator = accounts.create_facilitator(
        NewFacilitator(email=DEMO_EMAIL, name="Démo", password=password)
    )
    return facilitator, password


def create_demo(owner_email: str | None = None) -> DemoResult:
    """Create and open a marathon workshop on local food, played through: ten
    participants post sixteen ideas, which are grouped into four défis; everyone votes
    with five dots (one per idea) in a hidden vote, the vote is frozen; the first défi
    is qualified and has a volunteer who agreed to be contacted (and a follower who did
    not), and the session stands on its results step with a running timer."""
    facilitator, password = _owner(owner_email)
    workshop = workshops.create_workshop(
        NewWorkshop(
            title="Marathon d'idées : bien manger sur notre territoire",
            format=Format.MARATHON,
            question="Comment pourrions-nous mieux nous nourrir, ensemble et près de chez nous ?",
            territory="Communauté de communes du Cœur des Bauges",
        ),
        facilitator,
    )
    agenda.open_workshop(workshop.id, facilitator)
    ideas_phase = next(p for p in workshop.phases if p.kind == PhaseKind.IDEAS)
    agenda.advance_phase(workshop.id, facilitator, PhaseTarget(phase_id=ideas_phase.id))
    people = [
        participants.join(workshop.id, JoinRequest(display_name=name, profile=profile))[0]
        for name, profile in PARTICIPANTS
    ]
    posted = [
        ideas.post_idea(
            workshop.id,
            people[author].id,
            NewIdea(client_id=uuid.uuid4().hex, title=title, description=description, need=need),
        )[0]
        for author, title, description, need in IDEAS
    ]
    grouping = next(p for p in workshop.phases if p.kind == PhaseKind.GROUPING)
    agenda.advance_phase(workshop.id, facilitator, PhaseTarget(phase_id=grouping.id))
    suggestions.apply_grouping(
        workshop.id,
        facilitator,
        [
            SuggestedGroup(title=title, idea_ids=[posted[i].id for i in members])
            for title, members in CHALLENGES
        ],
    )
    vote_phase = next(p for p in workshop.phases if p.kind == PhaseKind.VOTE)
    agenda.advance_phase(workshop.id, facilitator, PhaseTarget(phase_id=vote_phase.id))
    votes.configure_vote(
        workshop.id,
        facilitator,
        VoteSettingsChange(votes_per_participant=5, max_per_item=1, allow_own=True, hidden=True),
    )
    for person, ballot in zip(people, BALLOTS, strict=True):
        for index in ballot:
            votes.cast_vote(workshop.id, person.id, VoteTarget(item_id=posted[index].id))
    votes.freeze_results(workshop.id, facilitator)
    results = next(p for p in workshop.phases if p.kind == PhaseKind.RESULTS)
    agenda.advance_phase(workshop.id, facilitator, PhaseTarget(phase_id=results.id))
    # The Fabrique's follow-up: the first défi is qualified, Théo offers to carry it
    # (and agrees to be contacted), Nadia asks to be kept informed without consent.
    first = challenges.challenges_of(workshop)[0]
    target = TargetRef("challenge", first.id)
    qualification.qualify(
        workshop.id, facilitator, QualificationEdit(target=target, version=0, changes=SHEET)
    )
    volunteers.offer_help(
        workshop.id,
        people[5].id,
        VolunteerOffer(
            target=target,
            kind=VolunteerKind.HOLD,
            consent_contact=True,
            contact_name="Théo Girard",
            contact_email="theo.girard@example.org",
        ),
    )
    volunteers.offer_help(
        workshop.id,
        people[6].id,
        VolunteerOffer(target=target, kind=VolunteerKind.FOLLOW, consent_contact=False),
    )
    agenda.start_timer(workshop.id, facilitator, 20 * 60)
    return DemoResult(workshop=workshop, facilitator=facilitator, password=password)


# ----------------------------------------------------------------- the evening

#: The ideas the evening's défis come from: the winning projects of the Paris
#: participatory budget 2014-2023 (Ville de Paris, opendata.paris.fr, ODbL), one per line
#: (``id,text,category,source``: the import keeps category and source with each idea).
#: Shipped with the package (workshop/data/README.md), so a fresh clone has it.
DEFAULT_IDEAS_FILE = Path(__file__).resolve().parents[1] / "data" / "paris_bp_laureats_fr.csv"

# A room of a Start-up de Territoire: mostly citizens, then associations, businesses,
# elected officials, project holders (weights, in this order).
PROFILE_MIX = (
    (Profile.CITIZEN, 40),
    (Profile.ASSOCIATION, 20),
    (Profile.BUSINESS, 15),
    (Profile.ELECTED, 12),
    (Profile.PROJECT_HOLDER, 8),
    (Profile.OTHER, 5),
)
FIRST_NAMES = (
    "Camille Léa Hugo Inès Louis Chloé Nathan Manon Jules Sarah Lucas Emma Adam Jade Arthur "
    "Louise Gabriel Alice Raphaël Lina Paul Zoé Tom Nina Malik Yasmine Pierre Anne Marc "
    "Sophie Karim Fatou Thomas Julie Olivier Claire Mehdi Aïcha Bernard Josiane"
).split()
# What tables write, by kind of contribution (the default kinds).
CONTRIBUTIONS = {
    "needs": (
        "Les familles sans voiture, loin des lignes de bus",
        "Les jeunes de 16 à 25 ans sans solution après le lycée",
        "Les personnes âgées qui vivent seules",
        "Les habitants des quartiers prioritaires",
        "Les parents qui travaillent en horaires décalés",
        "Les commerçants du centre-bourg",
        "Les personnes en situation de handicap",
        "Les saisonniers qui ne trouvent pas à se loger",
    ),
    "solutions": (
        "Mutualiser les locaux vides de la commune",
        "Un service itinérant qui passe une fois par semaine dans chaque village",
        "Une plateforme simple pour se mettre en relation entre voisins",
        "Former des habitants relais dans chaque quartier",
        "Un lieu partagé ouvert le soir et le week-end",
        "Commencer par un test de six mois sur un quartier",
        "S'appuyer sur l'épicerie solidaire qui existe déjà",
        "Un achat groupé porté par une coopérative",
    ),
    "actors": (
        "La mairie et le CCAS",
        "La communauté de communes",
        "Le centre social et ses bénévoles",
        "Les bailleurs sociaux",
        "La chambre de commerce",
        "Les associations de quartier",
        "La mission locale",
        "Le département et la région",
    ),
    "obstacles": (
        "Le financement au-delà de la première année",
        "Trouver des bénévoles réguliers",
        "Les normes et les assurances",
        "Faire connaître le service à ceux qui en ont besoin",
        "Le coût du foncier",
        "La concurrence avec l'offre privée existante",
    ),
    "holders": (
        "Une SCIC à créer avec les habitants",
        "Le centre social",
        "Une entreprise d'insertion du territoire",
        "Un collectif d'habitants déjà actif",
        "Une association d'éducation populaire",
    ),
}
SYNTHESIS_OPENINGS = (
    "La table propose de partir des besoins des plus éloignés",
    "Nous retenons une piste simple à tester vite",
    "La table s'accorde sur une première étape concrète",
    "Nous voulons partir de ce qui existe déjà sur le territoire",
)
DOTS = 3  # each person's dots in the vote on the défis


@dataclass(frozen=True)
class EveningSize:
    """How big the evening is: ideas imported, défis made from them, people in the
    room, and the seats of each table. The defaults are the Start-up de Territoire of
    December 2019: 1,000 ideas, 30 défis, 400 people."""

    ideas: int = 1000
    challenges: int = 30
    people: int = 400
    capacity: int = 16


@dataclass(frozen=True)
class EveningResult(DemoResult):
    ideas: int = 0
    challenges: int = 0
    tables: int = 0
    people: int = 0
    contributions: int = 0


def _profiles(rng: random.Random, count: int) -> list[Profile]:
    weights = [weight for _profile, weight in PROFILE_MIX]
    return rng.choices([profile for profile, _weight in PROFILE_MIX], weights, k=count)


def _advance(workshop: Workshop, facilitator: Facilitator, kind: PhaseKind) -> None:
    step = next(p for p in workshop.phases if p.kind == kind)
    agenda.advance_phase(workshop.id, facilitator, PhaseTarget(phase_id=step.id))


def create_evening_demo(
    owner_email: str | None = None,
    size: EveningSize | None = None,
    ideas_file: Path = DEFAULT_IDEAS_FILE,
    progress: Callable[[str], None] | None = None,
    seed: int = 2019,
) -> EveningResult:
    """Play a « Soirée défis » from end to end through the services, as its
    facilitators, hosts and phones would:

    1. before the evening (a draft workshop): the ideas collected beforehand are
       imported from ``ideas_file`` (its first ``size.ideas`` lines) and grouped into
       ``size.challenges`` défis by the suggestions' engine; one table per défi;
    2. the evening opens; people join with mixed profiles; a host per table (promoted
       by the facilitator); most people scan their table's QR code, some choose a
       table with seats left, latecomers are seated when the facilitator balances the
       tables by profile;
    3. the tables step: contributions of every kind (a host types some for people
       without a phone), each person's three votes at their table, each host keeps the
       most voted two or three and writes the synthesis (which pre-fills the défi's
       qualification sheet); a second world-café round with rotation adds a few more;
    4. the restitution: each table in the spotlight in turn; then a dot vote on the
       défis (frozen) and offers « je pourrais porter ce défi » on the best ranked, some
       with contact details (fictitious ones, ``example.org``).

    The workshop stands on its results step with a running timer. ``progress`` gets a
    line per stage (the command line prints them). Raises :class:`FileNotFoundError`
    when ``ideas_file`` does not exist and :class:`LookupError` for an unknown owner.
    """
    size = size or EveningSize()
    say = progress or (lambda _line: None)
    rng = random.Random(seed)  # noqa: S311 - a reproducible demo, not a secret
    data = ideas_file.read_bytes()
    facilitator, password = _owner(owner_email)
    prepared = prepare_evening(facilitator, data, size)
    workshop, defis, made = prepared.workshop, prepared.challenges, prepared.tables
    wid = workshop.id
    say(f"{prepared.ideas} ideas imported from {ideas_file.name}")
    say(f"{len(defis)} défis, {len(made)} tables of {size.capacity} seats")

    # -- the room fills up ----------------------------------------------------------
    agenda.open_workshop(wid, facilitator)
    people = [
        participants.join(
            wid,
            JoinRequest(
                display_name=f"{rng.choice(FIRST_NAMES)} {chr(65 + n % 26)}.", profile=profile
            ),
        )[0]
        for n, profile in enumerate(_profiles(rng, size.people))
    ]
    hosts = people[: len(made)]
    for table, host in zip(made, hosts, strict=False):
        tables.set_table_host(wid, facilitator, HostChange(table.id, host.id))
    others = people[len(hosts) :]
    scanning = int(len(others) * 0.7)
    choosing = int(len(others) * 0.1)
    for n, person in enumerate(others[:scanning]):
        table = made[n % len(made)]
        tables.seat_from_link(wid, person.id, table.id, as_host=False)
    for person in others[scanning : scanning + choosing]:
        room = [t for t in tables.list_tables(wid)["tables"] if t["seated"] < t["capacity"]]
        if room:
            tables.choose_table(wid, person.id, rng.choice(room)["id"])
    moves = tables.balance_tables(wid, facilitator)
    say(f"{len(people)} people joined, {len(hosts)} hosts; balancing by profile moved {moves}")

    # -- the tables at work -----------------------------------------------------------
    _advance(workshop, facilitator, PhaseKind.TABLES)
    agenda.start_timer(wid, facilitator, 60 * 60)
    posted = _table_work(workshop, made, rng, round_=1)
    tables.next_round(wid, facilitator, "rotate")
    posted += _table_work(workshop, made, rng, round_=2)
    say(f"{posted} contributions, table votes, kept ones and syntheses (two rounds)")

    # -- restitution, the vote on the défis, offers to carry ---------------------------
    _advance(workshop, facilitator, PhaseKind.RESTITUTION)
    for table in made:
        tables.spotlight_table(wid, facilitator, table.id)
    tables.spotlight_table(wid, facilitator, None)
    vote = next(p for p in workshop.phases if p.kind == PhaseKind.VOTE)
    _advance(workshop, facilitator, PhaseKind.VOTE)
    votes.configure_vote(
        wid,
        facilitator,
        VoteSettingsChange(
            phase_id=vote.id, votes_per_participant=DOTS, max_per_item=1, target="challenges"
        ),
    )
    # Some défis draw the room more than others: a few favourites, then a long tail.
    weights = [1 / (rank + 1) for rank in range(len(defis))]
    for person in people:
        for defi in set(rng.choices(defis, weights, k=DOTS)):
            votes.cast_vote(wid, person.id, VoteTarget(item_id=defi.id, kind="challenges"))
    votes.freeze_results(wid, facilitator)
    _advance(workshop, facilitator, PhaseKind.RESULTS)
    offers = _offers_to_carry(workshop, defis, people, rng)
    agenda.start_timer(wid, facilitator, 15 * 60)
    say(f"restitution of {len(made)} tables, a vote on the défis, {offers} offers to carry")
    return EveningResult(
        workshop=workshop,
        facilitator=facilitator,
        password=password,
        ideas=prepared.ideas,
        challenges=len(defis),
        tables=len(made),
        people=len(people),
        contributions=posted,
    )


@dataclass(frozen=True)
class PreparedEvening:
    workshop: Workshop
    ideas: int
    challenges: list[Challenge]
    tables: list[Table]


def prepare_evening(facilitator: Facilitator, data: bytes, size: EveningSize) -> PreparedEvening:
    """Before the evening, in a draft « Soirée défis » of ``facilitator``: the first
    ``size.ideas`` ideas of the CSV file ``data`` imported, grouped into
    ``size.challenges`` défis by the suggestions' engine, one table per défi of
    ``size.capacity`` seats. (The benchmark's ``tables`` scenario starts from here.)"""
    workshop = workshops.create_workshop(
        NewWorkshop(
            title="Start-up de Territoire : la soirée des défis",
            format=Format.CHALLENGES_EVENING,
            question="Comment pourrions-nous faire naître les entreprises dont notre territoire"
            " a besoin ?",
            territory="Paris",
        ),
        facilitator,
    )
    wid = workshop.id
    rows = idea_import.read_file(data)[: size.ideas]
    imported = idea_import.import_ideas(wid, facilitator, rows)
    groups = suggestions.suggest_groups(wid, facilitator, min(size.challenges, len(rows)))
    suggestions.apply_grouping(
        wid,
        facilitator,
        [
            SuggestedGroup(title=group["label"][:140], idea_ids=group["idea_ids"])
            for group in groups
        ],
    )
    made = tables.create_tables(wid, facilitator, NewTables(capacity=size.capacity))
    return PreparedEvening(workshop, imported.created, challenges.challenges_of(workshop), made)


def _table_work(workshop: Workshop, made: list[Table], rng: random.Random, round_: int) -> int:
    """One round at every table: contributions (the first round: from everyone seated,
    and one a host types for someone without a phone; the next: from a few newcomers),
    three votes each; in the first round the host keeps the most voted and writes the
    synthesis. Returns the contributions posted."""
    wid = workshop.id
    kinds = list(CONTRIBUTIONS)
    posted = 0
    for table in made:
        host_id = table.host_participant_id
        host = tables.Actor(participant_id=host_id)
        seated = [p for p in seating.seated_ids(workshop, table.id) if p != host_id]
        writers = seated if round_ == 1 else seated[: max(1, len(seated) // 4)]
        texts: dict[int, str] = {}
        for n, author in enumerate(writers):
            kind = kinds[(n + table.number) % len(kinds)]
            new = NewContribution(table.id, kind, rng.choice(CONTRIBUTIONS[kind]), uuid.uuid4().hex)
            contribution, _created = tables.post_contribution(
                wid, tables.Actor(participant_id=author), new
            )
            texts[contribution.id] = contribution.text
        if round_ == 1 and host_id is not None:
            new = NewContribution(
                table.id,
                "actors",
                rng.choice(CONTRIBUTIONS["actors"]),
                uuid.uuid4().hex,
                on_behalf=rng.choice(FIRST_NAMES),
            )
            contribution, _created = tables.post_contribution(wid, host, new)
            texts[contribution.id] = contribution.text
        posted += len(texts)
        tallies = dict.fromkeys(texts, 0)
        for voter in seated:
            for choice in rng.sample(sorted(texts), min(3, len(texts))):
                tables.vote_contribution(wid, voter, ContributionFlag(choice, True))
                tallies[choice] += 1
        if round_ != 1 or host_id is None or not texts:
            continue
        best = sorted(tallies, key=lambda c: (-tallies[c], c))[: rng.choice((2, 3))]
        for kept in best:
            tables.keep_contribution(wid, host, ContributionFlag(kept, True))
        text = f"{rng.choice(SYNTHESIS_OPENINGS)} : " + " ; ".join(
            texts[kept][0].lower() + texts[kept][1:] for kept in best
        )
        # Most tables finish their synthesis in time; a few are still at it.
        done = rng.random() < 0.9
        tables.save_synthesis(
            wid, host, SynthesisEdit(table.id, text + ".", done, table.synthesis_version)
        )
    return posted


def _offers_to_carry(
    workshop: Workshop, defis: list[Challenge], people: list[Participant], rng: random.Random
) -> int:
    """« Je pourrais porter ce défi »: one to three people for most défis, a third of
    them leaving contact details."""
    offers = 0
    candidates = [
        p
        for p in people
        if p.profile in (Profile.PROJECT_HOLDER, Profile.BUSINESS, Profile.ASSOCIATION)
    ]
    for defi in defis:
        if rng.random() < 0.2 or not candidates:
            continue
        for person in rng.sample(candidates, min(len(candidates), rng.randint(1, 3))):
            consent = rng.random() < 0.35
            offer = VolunteerOffer(
                target=TargetRef("challenge", defi.id),
                kind=VolunteerKind.HOLD,
                consent_contact=consent,
                contact_name=person.display_name if consent else None,
                contact_email=f"porteur{person.id}@example.org" if consent else None,
            )
            volunteers.offer_help(workshop.id, person.id, offer)
            offers += 1
    return offers
