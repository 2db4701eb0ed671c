"""Training labels: crosswalks, Oregon findings, framework descriptors and the rule layer.

Each function returns, per record, a set of taxonomy IDs (or a class) and a
weight. Weak labels are honest about what they are: the crosswalk is partial,
and cue-derived labels teach the model the rule layer's view, which the gold
`dev` split then corrects.
"""
from __future__ import annotations

import re

from training import sources
from triage.pipeline.cues import load_cues
from triage.taxonomy import load_crosswalks

# Oregon outcome codes (outcome_codes.csv) -> IDs. Written from the codes' definitions.
OREGON_OUTCOME = {
    "500": ["caring.kindness_dignity", "freda.dignity"],
    "501": ["caring.independence_choice", "freda.autonomy"],
    "502": ["safe.safe_systems"],
    "503": ["caring.immediate_needs", "freda.dignity", "sg.neglect"],
    "504": ["sg.physical", "right.art3_degrading_treatment"],
    "505": ["sg.psychological", "right.art5_liberty", "freda.autonomy"],
    "506": ["sg.psychological", "freda.respect"],
    "507": ["sg.physical"],
    "508": ["sg.sexual", "right.art3_degrading_treatment"],
    "509": ["sg.sexual", "right.art3_degrading_treatment"],
    "510": ["sg.psychological", "freda.respect"],
    "515": ["sg.neglect", "caring.immediate_needs"],
    "516": ["responsive.person_centred"],
    "517": ["safe.involving_people_risks"],
    "525": ["safe.safeguarding"],
    "526": ["caring.immediate_needs", "freda.dignity", "sg.neglect"],
    "529": ["sg.neglect", "caring.immediate_needs"], "530": ["sg.neglect", "caring.immediate_needs"],
    "542": ["caring.immediate_needs"], "546": ["caring.immediate_needs"], "547": ["caring.immediate_needs"],
    "543": ["safe.medicines"], "553": ["safe.medicines"], "556": ["safe.medicines"],
    "549": ["safe.involving_people_risks"], "552": ["safe.involving_people_risks"],
    "550": ["responsive.continuity"],
    "551": ["right.art2_life"],
    "555": ["sg.financial"], "557": ["sg.financial"],
    "560": ["safe.staffing"], "561": ["safe.staffing"], "562": ["safe.staffing"],
    "400": ["safe.staffing"], "401": ["safe.staffing"],
}
for _c in range(527, 542):
    OREGON_OUTCOME.setdefault(str(_c), ["safe.involving_people_risks"])
NO_HARM_OUTCOMES = {"599", "560", "561", "562", "400", "401", "535"}

SEED_SECTIONS = {
    "Safety culture": ["safe.learning_culture"],
    "Managing risks during care and treatment": ["safe.involving_people_risks"],
    "Safe systems, pathways and transitions": ["safe.safe_systems"],
    "Safe environments and infection prevention and control": ["safe.safe_environments", "safe.infection_control"],
    "Safe staffing": ["safe.staffing"],
    "Safe delivery of treatments and medicines": ["safe.medicines"],
    "Assessing needs": ["effective.assessing_needs"],
    "Delivering evidence-based care and treatment": ["effective.evidence_based_care"],
    "Outcomes": ["effective.outcomes"],
    "Supporting people to live healthier lives": ["effective.healthier_lives"],
    "Consent to care and treatment": ["effective.consent"],
    "Kindness, compassion and dignity": ["caring.kindness_dignity"],
    "Person-centred care": ["responsive.person_centred"],
    "Independence, choice, and control": ["caring.independence_choice"],
    "Care provision, integration, and continuity": ["responsive.continuity"],
    "Listening and responding to feedback": ["responsive.listening_involving"],
    "Timely and equitable access": ["responsive.equity_access"],
    "Equity in experience": ["responsive.equity_outcomes"],
    "Strategic direction": ["well_led.shared_direction"],
    "Workforce equity and culture": ["well_led.workforce_edi"],
    "Capable and compassionate leaders": ["well_led.leaders"],
    "Governance": ["well_led.governance"],
    "Management of risk, performance and issues": ["well_led.governance"],
    "Partnerships and communities": ["well_led.partnerships"],
    "Improvement, innovation and learning": ["well_led.learning_improvement"],
}
SEED_FRAMEWORK = "seeds/003_d01129f8894cbcaa.txt"
_TAG = re.compile(r"<[^>]+>")


def seed_examples() -> list[dict]:
    """Sentences of the draft mental health framework (seed 003), labelled by their section."""
    path = sources.SHARED / SEED_FRAMEWORK
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    body_start = [i for i, l in enumerate(lines) if l.strip() == "SAFE"][-1]
    out, current = [], None
    for n, line in enumerate(lines[body_start:], body_start + 1):
        s = line.strip()
        if s in SEED_SECTIONS:
            current = s
            continue
        if current is None:
            continue
        s = _TAG.sub(" ", s).replace("•", "\n").replace("✓", " ").replace("**", "")
        for piece in s.split("\n"):
            piece = re.sub(r"\s+", " ", piece).strip(" -|\t")
            if 40 <= len(piece) <= 400 and not piece.startswith(("Scope of", "Outstanding Good")):
                out.append({"id": f"seed003-{n}-{len(out)}", "source": SEED_FRAMEWORK, "text": piece,
                            "ids": set(SEED_SECTIONS[current]), "section": current})
    return out


def crosswalk_ids(rec: dict) -> set[str]:
    """IDs the data set's own labels give, through crosswalks.yaml (+ Oregon outcome codes)."""
    cw = load_crosswalks()
    raw = rec["raw"]
    ids: set[str] = set()
    if rec["source"] == sources.P1:
        ids |= set(cw["phase1_codes"].get(raw["code"], []))
    elif rec["source"] == sources.P2:
        for col, mapped in cw["phase2_v6"].items():
            if (raw.get(col) or "").strip() == "1":
                ids |= set(mapped)
    else:
        ids |= set(cw["oregon_type_of_abuse"].get(raw["type_of_abuse"], []))
        ids |= set(OREGON_OUTCOME.get(raw["outcome_code"], []))
    return ids


def sentiment_label(rec: dict) -> str | None:
    raw = rec["raw"]
    if rec["source"] == sources.P1:
        try:
            c = int(raw["criticality"])
        except ValueError:
            return None
        # criticality is how critical a comment is, not its sentiment: only the clear ends are used
        # ("Nothing." to "what could be improved" is +3 there, and 0/±1 mix neutral and mild text)
        if not 2 <= abs(c) <= 4:
            return None
        return "positive" if c > 0 else "negative"
    if rec["source"] == sources.P2:
        v = (raw.get("Comment sentiment") or "").strip()
        return {"1": "positive", "2": "positive", "3": "neutral", "4": "negative", "5": "negative"}.get(v)
    return "neutral" if raw["outcome_code"] in NO_HARM_OUTCOMES and not raw["type_of_abuse"] else "negative"


def safeguarding_weak(rec: dict, sentences) -> tuple[int, int, set[str]]:
    """(any concern, urgent, types) from the data's findings and the rule layer."""
    cues = load_cues()
    hits = cues.safeguarding(sentences)
    types = {h.label for h in hits}
    urgent = int(any(h.urgency == "urgent" for h in hits))
    any_ = int(bool(hits))
    if rec["source"] == sources.OR:
        raw = rec["raw"]
        ids = crosswalk_ids(rec)
        harm = bool(raw["type_of_abuse"]) or raw["outcome_code"] not in NO_HARM_OUTCOMES
        any_ = int(harm)
        types = {i for i in ids if i.startswith("sg.")} | (types if harm else set())
        if harm and not types:
            types = {"sg.neglect"}
        urgent = 0  # past, investigated incidents
    elif rec["source"] == sources.P2 and (rec["raw"].get("Safeguarding concerns?") or "").strip() == "1":
        any_ = 1
    return any_, urgent, types
