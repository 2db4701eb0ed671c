"""Write metrics.json and MODEL_CARD.md into the model directory from model.json and an evaluation report."""
from __future__ import annotations

import json
from pathlib import Path


def _urgent_dev(meta: dict) -> str:
    """"found of positives" for urgent, out of fold on gold dev, summed over the kinds of source."""
    by = (meta.get("safeguarding_dev_oof_recall_by_source") or {}).get("urgent") or {}
    found = sum(int(v.split("/")[0]) for v in by.values())
    total = sum(int(v.split("/")[1]) for v in by.values())
    return f"{found} of {total}" if total else "an unmeasured share of"


def _m(entry: dict, key: str) -> str:
    v = entry.get(key)
    if not v:
        return "n/a"
    if "micro" in v:
        return f"micro-F1 {v['micro']['f1']}, macro-F1 {v['macro_f1']} ({v['labels_with_support']} labels with support)"
    if "ci95" in v:
        return f"{v['delta']} (95% CI {v['ci95']}, paired bootstrap over {v['items']} items)"
    ci = f", recall 95% CI {v['recall_ci95']}" if v.get("recall_ci95") else ""
    return f"P {v['precision']} / R {v['recall']} / F1 {v['f1']} (support {v['support']}{ci})"


def write_card(model_dir: Path, report: dict, command: str) -> None:
    meta = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    (model_dir / "metrics.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    td = meta["training_data"]
    g = report["splits"].get("gold (test)", {})
    L = [f"# Model card: {meta['model_version']}", "",
         "## Intended use",
         "Suggests labels for feedback, complaints and staff concerns sent to a health and care regulator in "
         "England: quality statements, FREDA principles, Convention rights, epistemic-injustice risk, safeguarding "
         "urgency and types, seldom-heard groups, speaker and sentiment, each with evidence sentences. It supports "
         "people; it does not decide. Every concern or urgent item is read by a person. Not for decisions about "
         "individuals without human review, and not for text in languages other than English.", "",
         "## Components",
         f"- encoder: {meta['encoder']} (frozen; one pass per sentence; item vector = [mean, max] of sentences)",
         f"- sentences: {meta.get('sentence_splitter', 'spacy-senter')} (benchmarks/sentence_splitters.py)",
         "- heads: logistic regression per label (scikit-learn, C "
         f"{meta.get('head_C', 1.0)}), stored as arrays in heads.npz"
         + (f"; inputs [item embedding features | TF-IDF of word 1-2 grams, {meta['lexical']['terms']} terms] "
            f"for {', '.join(meta['lexical_heads'])} (chosen on dev: benchmarks/results/lexical_heads.json and "
            "gold dev out-of-fold F1)" if meta.get("lexical_heads") else ""),
         f"- rules: {meta['rules']} (`triage/pipeline/data/{meta['rules'].replace('.', '_')}.yaml`): patterns with negation and "
         "hypothetical checks. Safeguarding urgency is the union of the rule layer and the model: a rule hit "
         "alone makes an item `concern` (score 0.8) or `urgent` (0.95), so neither part can drop an urgent item.",
         f"- taxonomy v{meta['taxonomy_version']}; thresholds: per-label, chosen on gold `dev` with 3-fold "
         f"out-of-fold predictions; safeguarding operating thresholds {meta['thresholds']} (chosen for recall >= "
         "0.95 concern-or-urgent and >= 0.98 urgent on gold dev; each kind of source gets its own, at precision "
         f">= {meta.get('safeguarding_kind_min_precision', 0.5):.2f} within that kind, and the lowest is used, "
         "keeping precision >= 0.5 over all sources)"
         + (f"; gold dev out-of-fold recall at them, by source: {meta['safeguarding_dev_oof_recall_by_source']}"
            if meta.get("safeguarding_dev_oof_recall_by_source") else "") + ".", "",
         "## Training data",
         f"- weak labels from the train splits of ../shared/data: {td['weak']} (crosswalks.yaml, Oregon outcome "
         "codes, the rule layer); splits by organisation (NHS phase1: Trusts A+B train, Trust C test), respondent "
         "(NHS phase2, one organisation only) and facility (Oregon)",
         f"- {td['seed_sentences']} descriptor sentences of the draft mental health framework (seed 003), labelled "
         "by their section's quality statement",
         f"- {td['gold_dev']} adjudicated gold `dev` items (weight {meta.get('gold_weight', 3)}), including written ones: "
         + (", ".join(f"{n} {k.replace('_', ' ')}" for k, n in td["gold_dev_written"].items())
            if td.get("gold_dev_written") else "staff speak-up")
         + " (the urgency contrast pairs train the urgent label only and never choose a threshold or a dev figure)",
         "- gold `test` items and every test-split organisation/facility are never used in training.", "",
         f"## Figures (command: `{command}`)", ""]
    for split, e in report["splits"].items():
        L.append(f"### {split}: {e['items']} items")
        for k in ("quality_statements", "quality_statements_peer", "quality_statements_crosswalk",
                  "quality_statements_crosswalk_peer", "quality_statements_macro_f1_ours_minus_peer",
                  "quality_statements_crosswalk_macro_f1_ours_minus_peer", "freda", "rights", "ei_kinds",
                  "seldom_heard", "sg_types", "safeguarding_concern_or_urgent", "safeguarding_urgent",
                  "safeguarding_concern_or_urgent_vs_findings"):
            if k in e:
                L.append(f"- {k}: {_m(e, k)}")
        for k in ("sentiment_3class_accuracy", "speaker_accuracy", "sentiment_accuracy", "ei_level_accuracy",
                  "ece_safeguarding_score", "texts_per_second"):
            if k in e:
                L.append(f"- {k}: {e[k]}")
        if e.get("sentiment_gold_annotators_vs_nhs", {}).get("items"):
            v = e["sentiment_gold_annotators_vs_nhs"]
            L.append(f"- sentiment ceiling: our adjudicated gold annotators agree with the NHS staff's 3-class "
                     f"labels on {v['accuracy']} of {v['items']} gold items from this source "
                     f"({v['accuracy_mixed_as_neutral']} reading mixed as neutral)")
        if "missed_urgent" in e:
            L.append(f"- missed urgent items ({len(e['missed_urgent'])}): {e['missed_urgent']}")
        if "missed_concern_or_urgent" in e:
            L.append(f"- missed concern-or-urgent items ({len(e['missed_concern_or_urgent'])}): "
                     f"{e['missed_concern_or_urgent']}")
        L.append("")
    for key, title in (("by_seldom_heard_group", "Subgroups (gold test, seldom-heard groups with at least 3 items)"),
                       ("by_source", "By source (gold test)")):
        if g.get(key):
            L += [f"### {title}", "",
                  "| subset | items | quality statements micro-F1 | safeguarding concern-or-urgent recall | "
                  "its precision | urgent recall | sentiment accuracy |", "|---|---|---|---|---|---|---|"]
            for name, v in g[key].items():
                L.append(f"| {name} | {v['items']} | {v['quality_statements']['f1']} | "
                         f"{v['safeguarding_concern_or_urgent_recall']} | "
                         f"{v.get('safeguarding_concern_or_urgent_precision')} | {v.get('safeguarding_urgent_recall')} | "
                         f"{v.get('sentiment_accuracy')} |")
            L.append("")
    L += ["## Known failure modes",
          "- Labels with few or no training positives are never or rarely predicted (see "
          "`positives_per_label` in model.json): e.g. well_led.sustainability, right.art4_slavery, sg.modern_slavery, "
          "grp.gypsy_roma_traveller have none in the gold set or the crosswalks.",
          "- The rule layer is English-only and pattern-based: it over-fires on words used in another sense and "
          "misses paraphrases it does not list; its negation check looks only a few words back.",
          "- Oregon narratives are US investigator summaries, not first-person complaints from England; NHS data "
          "are short Friends and Family Test comments. Long first-person complaints are under-represented.",
          "- Gold annotators are language-model agents, not people (see annotation_guidelines/AGREEMENT.md).",
          "- Safeguarding in NHS comments is found at a cost: the threshold keeps recall first within each kind of "
          "source, and on NHS comments about two of three flags are false (precision by source is in the table "
          "above; the held-out flag rates are in reports/evaluation.md).",
          f"- Urgency is the weakest part: out of fold on gold dev the model and rule layer together find "
          f"{_urgent_dev(meta)} urgent items (written urgency contrast pairs, which teach the urgent label, are not "
          "counted). The misses are risk that continues by implication rather than by a time word (\"one shouts at "
          "me all the time\", care refused after two suicide attempts) and Oregon investigation narratives, which "
          "the weak labels teach are past (on gold test: \"is still receiving the resident's money\"). Every "
          "concern is still routed to a person: an urgent item the detector calls a concern waits in the same "
          "queue at lower priority.",
          "- Figures on NHS/Oregon splits use the partial crosswalk as truth, so they are lower bounds for "
          "quality statements.", ""]
    if meta.get("lexical"):
        L.insert(-1, f"- The TF-IDF features know only the {meta['lexical']['terms']:,} word 1-2 grams of the training "
                     "text (NHS comments, Oregon summaries, framework descriptors): words they never saw add nothing, "
                     "and the embeddings carry such text alone.")
    (model_dir / "MODEL_CARD.md").write_text("\n".join(L), encoding="utf-8")
