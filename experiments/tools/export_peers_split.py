"""Writes the PyTorch reference's ML-1M strong-generalisation split in Encore's split text format.

The reference (../shared/peers/common.py, load_ml1m_vae: ratings > 3.5, users with >= 5
interactions, numpy permutation with seed 98765, 600 validation + 600 test users, items restricted
to those of the training users, 20% of each held-out user's items as targets) is rebuilt by calling
load_ml1m_vae itself; its rows and columns are then mapped to Encore's dataset indices (users and
items dense in numeric order of their original IDs after the same preprocessing), so that a spec
with `"protocol": {..., "split_file": OUT}` on `ml-1m-implicit` (threshold 4, min_user_interactions 5)
runs on exactly the reference's split.

    PEERS_DATA=../shared/data python experiments/tools/export_peers_split.py ../shared/peers OUT

Needs the peers' Python environment (numpy, pandas, scipy).
"""
import os
import sys

peers, out_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.abspath(peers))
import common  # noqa: E402  (pins thread counts, then imports numpy)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HELD_OUT, SEED = 600, 98765

raw = pd.read_csv(common.ML1M_IMPLICIT, sep="::", header=None, engine="python",
                  names=["uid", "sid", "rating", "ts"])
raw = raw[raw.rating > 3.5]
counts = raw.groupby("uid").size()
raw = raw[raw.uid.isin(counts.index[counts >= 5])]
user_index = {u: k for k, u in enumerate(np.sort(raw.uid.unique()))}
item_index = {s: k for k, s in enumerate(np.sort(raw.sid.unique()))}

# The reference's user order and item IDs, as load_ml1m_vae derives them.
unique_uid = raw.groupby("uid").size().index
np.random.seed(SEED)
unique_uid = unique_uid[np.random.permutation(unique_uid.size)]
n = unique_uid.size
train_users = unique_uid[:n - 2 * HELD_OUT]
unique_sid = pd.unique(raw[raw.uid.isin(train_users)].sid)
data = common.load_ml1m_vae(n_heldout=HELD_OUT, seed=SEED)
assert data["n_items"] == len(unique_sid)
to_encore_item = np.array([item_index[s] for s in unique_sid])


def triples(matrix):
    matrix = matrix.tocsr()
    lines = []
    for r in range(matrix.shape[0]):
        for c in sorted(to_encore_item[matrix.indices[matrix.indptr[r]:matrix.indptr[r + 1]]]):
            lines.append("%d %d 1.0" % (r, c))
    return lines


lines = ["encore-split 1", "items %d" % len(item_index), "rating-range none"]
train = data["train"]
lines.append("train %d %d" % (train.shape[0], train.nnz))
lines.append("train-users " + " ".join(str(user_index[u]) for u in train_users))
lines += triples(train)
for part, name, users in (("validation", "val", unique_uid[n - 2 * HELD_OUT:n - HELD_OUT]),
                          ("test", "test", unique_uid[n - HELD_OUT:])):
    plays = raw[raw.uid.isin(users) & raw.sid.isin(unique_sid)]
    per_user = plays.groupby("uid").size()
    # load_ml1m_vae keeps, in permutation order, the users that got a target (>= 5 items).
    kept = [u for u in users if per_user.get(u, 0) >= 5]
    history, targets = data[name + "_tr"], data[name + "_te"]
    assert len(kept) == history.shape[0] == targets.shape[0]
    assert all(history[k].nnz + targets[k].nnz == per_user[u] for k, u in enumerate(kept))
    lines.append("%s ranking %d" % (part, len(kept)))
    lines.append("users " + " ".join(str(user_index[u]) for u in kept))
    lines.append("training-rows " + " ".join("-1" for _ in kept))
    h, t = triples(history), triples(targets)
    lines += ["history %d" % len(h)] + h + ["targets %d" % len(t)] + t
with open(out_path, "w") as f:
    f.write("\n".join(lines) + "\n")
print("wrote %s: %d train users, %d items (%d with training data)" % (out_path, train.shape[0], len(item_index), len(unique_sid)))
