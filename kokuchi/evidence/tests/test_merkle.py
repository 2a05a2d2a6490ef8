"""The Merkle tree of RFC 9162: proofs generated here verify with the RFC's algorithms, and only for the right data."""

import hashlib

import pytest

from kokuchi.evidence import merkle

LEAVES = [merkle.leaf_hash(hashlib.sha256(str(i).encode()).hexdigest()) for i in range(33)]


def test_s_evid_empty_and_single_leaf_roots_follow_rfc_9162():
    assert merkle.tree_root([]) == hashlib.sha256(b"").digest()
    assert merkle.tree_root(LEAVES[:1]) == LEAVES[0]
    assert merkle.tree_root(LEAVES[:3]) == merkle.node_hash(merkle.node_hash(LEAVES[0], LEAVES[1]), LEAVES[2])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 33])
def test_s_evid_every_inclusion_proof_verifies_and_a_wrong_leaf_does_not(size):
    root = merkle.tree_root(LEAVES[:size])
    for index in range(size):
        proof = merkle.inclusion_proof(index, LEAVES[:size])
        assert merkle.verify_inclusion(index=index, tree_size=size, leaf=LEAVES[index], proof=proof, root=root)
        assert not merkle.verify_inclusion(
            index=index, tree_size=size, leaf=LEAVES[(index + 1) % 33], proof=proof, root=root
        )


@pytest.mark.parametrize("size", [2, 3, 7, 8, 9, 33])
def test_s_evid_every_consistency_proof_verifies_and_a_rewritten_prefix_does_not(size):
    new_root = merkle.tree_root(LEAVES[:size])
    for old in range(1, size + 1):
        proof = merkle.consistency_proof(old, LEAVES[:size])
        old_root = merkle.tree_root(LEAVES[:old])
        assert merkle.verify_consistency(old_size=old, new_size=size, old_root=old_root, new_root=new_root, proof=proof)
        rewritten = merkle.tree_root([LEAVES[32], *LEAVES[1:old]])
        assert not merkle.verify_consistency(
            old_size=old, new_size=size, old_root=rewritten, new_root=new_root, proof=proof
        )


def test_s_evid_frontier_root_and_last_leaf_path_match_the_full_tree():
    frontier: list[bytes] = []
    for size, leaf in enumerate(LEAVES):
        path = list(reversed(frontier))
        frontier = merkle.append_to_frontier(frontier, leaf, size=size)
        assert merkle.root_from_frontier(frontier) == merkle.tree_root(LEAVES[: size + 1])
        assert path == merkle.inclusion_proof(size, LEAVES[: size + 1])


def test_s_evid_proof_sizes_are_logarithmic():
    leaves = [merkle.leaf_hash(hashlib.sha256(str(i).encode()).hexdigest()) for i in range(1000)]

    assert len(merkle.inclusion_proof(500, leaves)) == 10
    assert len(merkle.consistency_proof(300, leaves)) <= 2 * 10
