"""The Merkle tree over the evidence log, as Certificate Transparency defines it (RFC 9162, 2.1).

Leaf i is the event at sequence i + 1; its leaf data is the 32 bytes of that event's chain hash.
Pure functions on bytes: no database, no Django, so that the standalone verifier shipped in
evidence bundles can repeat every step with the standard library alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(event_hash_hex: str) -> bytes:
    """MTH of one leaf: SHA-256(0x00 || event hash bytes)."""
    return hashlib.sha256(LEAF_PREFIX + bytes.fromhex(event_hash_hex)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of already leaf-hashed entries, iteratively (no recursion over a million leaves)."""
    if not leaves:
        return EMPTY_ROOT
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        frontier = append_to_frontier(frontier, leaf, size=size)
    return root_from_frontier(frontier)


def append_to_frontier(frontier: list[bytes], leaf: bytes, *, size: int) -> list[bytes]:
    """The frontier (roots of the perfect subtrees, largest first) after appending `leaf` to a tree
    of `size` leaves. The frontier has one entry per set bit of the size, so appends are O(log n)."""
    merged = leaf
    stack = list(frontier)
    while size & 1:
        merged = node_hash(stack.pop(), merged)
        size >>= 1
    stack.append(merged)
    return stack


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        root = node_hash(subtree, root)
    return root


def _subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    return tree_root(leaves[start:end])


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1: the audit path of leaf `index` in the tree of `leaves`."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is outside a tree of {n} leaves")
    path: list[bytes] = []
    start, end = 0, n
    # Walk down from the root; the sibling of each step is added at the front (nearest leaf first).
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index - start < k:
            path.insert(0, _subtree_root(leaves, start + k, end))
            end = start + k
        else:
            path.insert(0, _subtree_root(leaves, start, start + k))
            start += k
    return path


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1: proves the tree of the first `old_size` leaves is a prefix."""
    n = len(leaves)
    if not 0 < old_size <= n:
        raise ValueError(f"no consistency proof from size {old_size} to size {n}")
    proof: list[bytes] = []
    start, end, m, complete = 0, n, old_size, True
    while m != end - start:
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            proof.insert(0, _subtree_root(leaves, start + k, end))
            end = start + k
        else:
            proof.insert(0, _subtree_root(leaves, start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        proof.insert(0, _subtree_root(leaves, start, end))
    return proof


def verify_inclusion(*, index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if not 0 <= index < tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2."""
    if old_size == new_size:
        return not proof and old_root == new_root
    if not 0 < old_size < new_size or not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
