package dev.triplane.core.sam2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/** Named primitive arrays for one graph call; turned into ONNX Runtime tensors by {@link OrtGraph}. */
final class GraphInputs {

    private record Input(String name, Object data, long[] shape) {
    }

    private final List<Input> inputs = new ArrayList<>();

    GraphInputs floats(String name, float[] data, long... shape) {
        inputs.add(new Input(name, data, shape));
        return this;
    }

    GraphInputs ints(String name, int[] data, long... shape) {
        inputs.add(new Input(name, data, shape));
        return this;
    }

    GraphInputs longs(String name, long[] data, long... shape) {
        inputs.add(new Input(name, data, shape));
        return this;
    }

    NDList toNDList(NDManager manager) {
        NDList list = new NDList(inputs.size());
        for (Input in : inputs) {
            Shape shape = new Shape(in.shape());
            NDArray array;
            if (in.data() instanceof float[] f) {
                array = manager.create(f, shape);
            } else if (in.data() instanceof int[] i) {
                array = manager.create(i, shape);
            } else {
                array = manager.create((long[]) in.data(), shape);
            }
            array.setName(in.name());
            list.add(array);
        }
        return list;
    }
}
