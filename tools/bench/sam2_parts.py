"""The four parts of the official SAM2 model that TriPlane exports as ONNX graphs, timed where they are called:
shared by sam2_reference.py (CPU, against the Java engine) and gpu_anchor.py (GPU anchors)."""
import time

PARTS = ("image_encoder", "memory_attention", "sam_heads", "memory_encoder")


def timed_parts(model, synchronize=lambda: None):
    """Wraps the four parts (each a little wider than its graph, e.g. the memory encoder's mask preparation);
    returns their running totals in ms. synchronize runs before and after each call, so that work a GPU runs
    asynchronously is counted in the part that launched it."""
    spent = dict.fromkeys(PARTS, 0.0)

    def wrap(owner, attr, part):
        inner = getattr(owner, attr)

        def timed(*args, **kwargs):
            synchronize()
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                synchronize()
                spent[part] += (time.perf_counter() - start) * 1000

        setattr(owner, attr, timed)

    wrap(model, "forward_image", "image_encoder")
    wrap(model.memory_attention, "forward", "memory_attention")
    wrap(model, "_forward_sam_heads", "sam_heads")
    wrap(model, "_encode_new_memory", "memory_encoder")
    return spent
