"""Graph rewrite: decomposed scaled-dot-product attention -> ONNX Runtime's fused com.microsoft.MultiHeadAttention.

The TorchScript exporter writes F.scaled_dot_product_attention (opset 17) as
    MatMul(Mul(Q, s), Mul(Transpose(K, [0,1,3,2]), s)) -> Softmax(-1) -> MatMul(., V)
with Q, K, V as [batch, heads, tokens, head_dim]. ONNX Runtime runs that as three kernels and materialises the
whole score matrix (4096 x 28736 floats per head in SAM2.1's memory cross-attention); its contrib op
MultiHeadAttention (CPU and CUDA) computes the same softmax(Q K^T * scale) V in one kernel. The rewrite keeps the
graph's inputs, outputs and every other node; heads and scale are read from one run of the graph on the export
inputs (they are static even where the exporter computed them from shapes).
"""

from collections import defaultdict

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

MS_DOMAIN = "com.microsoft"


def _perm(node):
    return list(helper.get_attribute_value(node.attribute[0])) if node.attribute else None


def _source(name, producer):
    """(tensor, layout) of an attention operand given as [B, N, T, H]: the [B, T, N, H] tensor before a
    head-splitting Transpose where the exporter left one, else the tensor itself."""
    node = producer.get(name)
    if node is not None and node.op_type == "Transpose" and _perm(node) == [0, 2, 1, 3]:
        return node.input[0], "bsnh"
    return name, "bnsh"


def _match(node, producer, consumers):
    """The attention around Softmax `node`, or None: (nodes to drop, q, k, v, q scale, k scale, output), where
    q, k, v are (tensor, layout)."""
    if node.op_type != "Softmax" or helper.get_attribute_value(node.attribute[0]) not in (-1, 3):
        return None
    qk = producer.get(node.input[0])
    users = consumers[node.output[0]]
    if qk is None or qk.op_type != "MatMul" or len(users) != 1 or users[0].op_type != "MatMul" \
            or users[0].input[0] != node.output[0]:
        return None
    av = users[0]
    mq, mk = producer.get(qk.input[0]), producer.get(qk.input[1])
    if mq is None or mk is None or mq.op_type != "Mul" or mk.op_type != "Mul":
        return None
    kt = producer.get(mk.input[0])
    if kt is None or kt.op_type != "Transpose":
        return None
    if _perm(kt) == [0, 1, 3, 2]:  # K^T from [B, N, T, H]
        key = _source(kt.input[0], producer)
    elif _perm(kt) == [0, 2, 3, 1]:  # K^T straight from [B, T, N, H]
        key = (kt.input[0], "bsnh")
    else:
        return None
    for n in (qk, mq, mk, kt):
        if len(consumers[n.output[0]]) != 1:
            return None
    q = _source(mq.input[0], producer)
    v = _source(av.input[1], producer)
    return [mq, kt, mk, qk, node, av], q, key, v, mq.input[1], mk.input[1], av.output[0]


def _probe(model, names, feeds):
    """Values of intermediate tensors `names` on one run with `feeds`."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in names:
        probe.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(probe.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return dict(zip(names, sess.run(names, feeds)))


def _prune(graph):
    """Drops nodes whose outputs nobody reads (the shape arithmetic that computed the old scale)."""
    outputs = {o.name for o in graph.output}
    while True:
        used = {i for n in graph.node for i in n.input} | outputs
        dead = [n for n in graph.node if not any(o in used for o in n.output)]
        if not dead:
            return
        for n in dead:
            graph.node.remove(n)


def fuse_attention(path, feeds):
    """Rewrites the ONNX file at `path` in place; `feeds` (name -> numpy array) is one valid input.

    Returns the number of attention blocks fused."""
    model = onnx.load(str(path))
    graph = model.graph
    producer = {o: n for n in graph.node for o in n.output}
    consumers = defaultdict(list)
    for n in graph.node:
        for i in n.input:
            consumers[i].append(n)
    matches = [m for m in (_match(n, producer, consumers) for n in graph.node) if m is not None]
    if not matches:
        return 0
    names = {t for m in matches for t in (m[1][0], m[2][0], m[3][0], m[4], m[5])}
    values = _probe(model, sorted(names), feeds)
    const = {}

    def shape_const(dims):
        name = "fused_attention_shape_" + "_".join(str(d).replace("-", "m") for d in dims)
        if name not in const:
            const[name] = numpy_helper.from_array(np.array(dims, dtype=np.int64), name)
        return name

    for k, (drop, q, key, v, sq, sk, out) in enumerate(matches):
        shapes = {}
        for role, (tensor, layout) in (("q", q), ("k", key), ("v", v)):
            b, x, y, h = values[tensor].shape
            shapes[role] = (x, h) if layout == "bnsh" else (y, h)
        heads, head_dim = shapes["q"]
        if shapes["k"] != (heads, head_dim) or shapes["v"][0] != heads:
            raise ValueError(f"attention {drop[4].name}: q/k/v heads or head sizes differ: {shapes}")
        scale = float(np.asarray(values[sq]).reshape(-1)[0] * np.asarray(values[sk]).reshape(-1)[0])
        p = f"/fused_attention_{k}/"
        nodes = []
        packed = {}
        for role, (tensor, layout) in (("q", q), ("k", key), ("v", v)):
            if layout == "bnsh":
                nodes.append(helper.make_node("Transpose", [tensor], [p + role + "_bsnh"], p + role + "_transpose",
                                              perm=[0, 2, 1, 3]))
                tensor = p + role + "_bsnh"
            # [B, T, N, H] -> [B, T, N*H]: the packed layout MultiHeadAttention takes
            nodes.append(helper.make_node("Reshape", [tensor, shape_const([0, 0, -1])], [p + role + "_packed"],
                                          p + role + "_reshape"))
            packed[role] = p + role + "_packed"
        nodes.append(helper.make_node("MultiHeadAttention", [packed["q"], packed["k"], packed["v"]],
                                      [p + "out_packed"], p + "MultiHeadAttention", domain=MS_DOMAIN,
                                      num_heads=int(heads), scale=scale))
        nodes.append(helper.make_node("Reshape", [p + "out_packed", shape_const([0, 0, int(heads), -1])],
                                      [p + "out_bsnh"], p + "out_reshape"))
        nodes.append(helper.make_node("Transpose", [p + "out_bsnh"], [out], p + "out_transpose", perm=[0, 2, 1, 3]))
        at = list(graph.node).index(drop[-1])
        for n in drop:
            graph.node.remove(n)
        for offset, n in enumerate(nodes):
            graph.node.insert(at - len(drop) + 1 + offset, n)
    graph.initializer.extend(const.values())
    _prune(graph)
    live = {o for n in graph.node for o in n.output}
    kept = [vi for vi in graph.value_info if vi.name in live]
    del graph.value_info[:]
    graph.value_info.extend(kept)
    if not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_operatorsetid(MS_DOMAIN, 1))
    onnx.save(model, str(path))
    return len(matches)
