"""Inter-annotator agreement (A vs B) on the gold set -> annotation_guidelines/agreement.json + tables.

    python -m training.agreement

Single-choice fields: Cohen's kappa (and raw agreement). Multi-label fields:
F1 between annotators (A as reference; symmetric for F1), micro over labels,
and per label with the number of items either annotator marked. The tables
are written between the AUTO markers of annotation_guidelines/AGREEMENT.md.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from training.gold_data import load_gold

ROOT = Path(__file__).resolve().parents[1]
OUT_JSON = ROOT / "annotation_guidelines" / "agreement.json"
DOC = ROOT / "annotation_guidelines" / "AGREEMENT.md"
MULTI = {"quality_statements": lambda a: a["quality_statements"], "freda": lambda a: a["freda"],
         "rights": lambda a: a["rights"], "seldom_heard": lambda a: a["seldom_heard"],
         "ei_kinds": lambda a: a["epistemic_injustice"]["kinds"], "sg_types": lambda a: a["safeguarding"]["types"]}
SINGLE = {"speaker": lambda a: a["speaker"], "sentiment": lambda a: a["sentiment"],
          "ei_level": lambda a: a["epistemic_injustice"]["level"],
          "sg_urgency": lambda a: a["safeguarding"]["urgency"],
          "sg_concern_or_urgent": lambda a: a["safeguarding"]["urgency"] != "none",
          "sg_urgent": lambda a: a["safeguarding"]["urgency"] == "urgent"}


def _f1(tp: int, fp: int, fn: int) -> float | None:
    return None if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def measure(items: list[dict]) -> dict:
    res: dict = {"n_items": len(items), "single": {}, "multi": {}}
    for name, get in SINGLE.items():
        a = [get(i["annotation_a"]) for i in items]
        b = [get(i["annotation_b"]) for i in items]
        same = sum(x == y for x, y in zip(a, b))
        k = cohen_kappa_score(a, b) if len(set(a) | set(b)) > 1 else None
        res["single"][name] = {"kappa": None if k is None else round(float(k), 3),
                               "agreement": round(same / len(items), 3), "n": len(items)}
    for name, get in MULTI.items():
        per = defaultdict(lambda: [0, 0, 0])
        for i in items:
            A, B = set(get(i["annotation_a"])), set(get(i["annotation_b"]))
            for lab in A | B:
                per[lab][0 if lab in A and lab in B else 1 if lab in A else 2] += 1
        tp, fp, fn = (sum(v[j] for v in per.values()) for j in range(3))
        res["multi"][name] = {"micro_f1": None if _f1(tp, fp, fn) is None else round(_f1(tp, fp, fn), 3),
                              "n_items": len(items), "n_label_marks": tp * 2 + fp + fn,
                              "per_label": {lab: {"f1": round(_f1(*v), 3), "either": sum(v), "both": v[0]}
                                            for lab, v in sorted(per.items())}}
    return res


def table(res: dict, title: str) -> str:
    lines = [f"### {title} ({res['n_items']} items)", "", "| field | measure | value | items |", "|---|---|---|---|"]
    for name, v in res["single"].items():
        lines.append(f"| {name} | Cohen's kappa (raw agreement {v['agreement']}) | {v['kappa']} | {v['n']} |")
    for name, v in res["multi"].items():
        lines.append(f"| {name} | micro F1 between annotators | {v['micro_f1']} | {v['n_items']} |")
    return "\n".join(lines) + "\n"


def per_label_table(res: dict) -> str:
    lines = ["| label | F1 A vs B | items marked by either | by both |", "|---|---|---|---|"]
    for name, v in res["multi"].items():
        for lab, s in v["per_label"].items():
            lines.append(f"| {lab} | {s['f1']} | {s['either']} | {s['both']} |")
    return "\n".join(lines) + "\n"


# each gold draw (its items' `drawn_by` prefix): the key in agreement.json and the table's title
ROUNDS = {
    "round1": ("round1_rules_v1", "Round 1 real items, coding rules v1"),
    "round2": ("round2_rules_v2", "Round 2 real items (rare labels), coding rules v2"),
    "round3": ("round3_urgent_candidates_rules_v2",
               "Round 3 real test items (safeguarding candidates), coding rules v2"),
    "round4": ("round4_dev_safeguarding_candidates_rules_v2",
               "Round 4 real dev items (safeguarding candidates from training partitions), coding rules v2"),
    "round5": ("round5_dev_unsure_and_random_rules_v2",
               "Round 5 real dev items (model-unsure and random, training partitions), coding rules v2"),
}


def main() -> dict:
    gold = load_gold()
    real = [g for g in gold if not g.get("synthetic")]
    synth = [g for g in gold if g.get("synthetic")]
    def round_of(g: dict) -> str:
        drawn = str(g.get("drawn_by", ""))
        return drawn.split(":")[0] if drawn.startswith("round") else "round1"

    speak_up = [g for g in synth if g["source"] == "synthetic:staff_speak_up"]
    contrast = [g for g in synth if g["source"] == "synthetic:urgency_contrast"]
    out = {"real": measure(real), "synthetic_speak_up": measure(speak_up) if speak_up else None,
           "synthetic_urgency_contrast": measure(contrast) if contrast else None}
    for rnd, (key, _) in ROUNDS.items():
        items = [g for g in real if round_of(g) == rnd]
        out[key] = measure(items) if items else None
    out["by_source"] = {src: measure([g for g in real if g["source"] == src])
                        for src in sorted({g["source"] for g in real})}
    OUT_JSON.write_text(json.dumps(out, indent=1), encoding="utf-8")
    body = table(out["real"], "Real items (NHS and Oregon)")
    if speak_up:
        body += "\n" + table(out["synthetic_speak_up"], "Synthetic staff speak-up items")
    if contrast:
        body += "\n" + table(out["synthetic_urgency_contrast"],
                              "Synthetic urgency contrast pairs (training/urgency_synthetic.py)")
    for key, title in ROUNDS.values():
        if out[key]:
            body += "\n" + table(out[key], title)
    for src, r in out["by_source"].items():
        body += "\n" + table(r, f"By source: {src}")
    body += "\n### Per label, real items\n\n" + per_label_table(out["real"])
    if DOC.is_file():
        doc = DOC.read_text(encoding="utf-8")
        s, e = doc.index("<!-- AUTO:START -->"), doc.index("<!-- AUTO:END -->")
        DOC.write_text(doc[:s] + "<!-- AUTO:START -->\n" + body + doc[e:], encoding="utf-8")
    print(body[:3000])
    return out


if __name__ == "__main__":
    main()
