"""Pytrees: nested tuples, lists and dicts of tensors, flattened to leaves and rebuilt."""


def flatten(tree):
    """``(leaves, spec)``: the leaves in order, and what ``unflatten`` needs to rebuild ``tree``."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            item_leaves, spec = flatten(item)
            leaves += item_leaves
            specs.append((spec, len(item_leaves)))
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for key, item in tree.items():
            item_leaves, spec = flatten(item)
            leaves += item_leaves
            specs.append((key, spec, len(item_leaves)))
        return leaves, (dict, specs)
    return [tree], None


def unflatten(spec, leaves):
    leaves = list(leaves)
    if spec is None:
        return leaves[0]
    kind, specs = spec
    if kind is dict:
        out, start = {}, 0
        for key, item_spec, count in specs:
            out[key] = unflatten(item_spec, leaves[start:start + count])
            start += count
        return out
    items, start = [], 0
    for item_spec, count in specs:
        items.append(unflatten(item_spec, leaves[start:start + count]))
        start += count
    if kind is tuple or kind is list:
        return kind(items)
    return kind(*items)  # namedtuples


def broadcast_prefix(prefix, tree, what):
    """One entry of ``prefix`` (an int/None, or a tree matching ``tree``) per leaf of ``tree``."""
    if not isinstance(prefix, (tuple, list, dict)):
        return [prefix] * len(flatten(tree)[0])
    if isinstance(prefix, dict):
        if not isinstance(tree, dict) or set(prefix) != set(tree):
            raise ValueError(f"{what}: the structure of {prefix!r} does not match the inputs")
        return [x for key in tree for x in broadcast_prefix(prefix[key], tree[key], what)]
    if not isinstance(tree, (tuple, list)) or len(prefix) != len(tree):
        raise ValueError(f"{what}: expected {len(prefix)} entries to match the inputs, got a "
                         f"{type(tree).__name__} of "
                         f"{len(tree) if isinstance(tree, (tuple, list)) else 1}")
    return [x for p, t in zip(prefix, tree) for x in broadcast_prefix(p, t, what)]
