"""A realistic demo workshop, built through the same services a real session uses."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Facilitator, Profile, VolunteerKind, Workshop
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
from . import (
    accounts,
    agenda,
    challenges,
    ideas,
    participants,
    qualification,
    suggestions,
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
