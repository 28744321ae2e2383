extension Variable {
    /// The softmax along the last axis: `exp(x_k) / Σ_j exp(x_j)`.
    public func softmax() -> Variable {
        let columns = shape.last ?? 1
        let rows = value.count / max(columns, 1)
        var y = Tensor(uninitializedShape: shape)
        Kernels.softmax(value.pointer, y.mutablePointer, rows: rows, columns: columns)
        return Variable(y, inputs: [self]) { [node] gradient in
            var dx = Tensor(uninitializedShape: y.shape)
            Kernels.softmaxBackward(
                output: y.pointer, outputGradient: gradient.pointer, inputGradient: dx.mutablePointer,
                rows: rows, columns: columns)
            node?.accumulateGradient(dx)
        }
    }

    /// The log-softmax along the last axis: `x_k - log Σ_j exp(x_j)`, computed stably. The
    /// categorical head of the encoder outputs `log α = logSoftmax(logits)` (Method.md section 1).
    public func logSoftmax() -> Variable {
        let columns = shape.last ?? 1
        let rows = value.count / max(columns, 1)
        var y = Tensor(uninitializedShape: shape)
        Kernels.logSoftmax(value.pointer, y.mutablePointer, rows: rows, columns: columns)
        return Variable(y, inputs: [self]) { [node] gradient in
            var dx = Tensor(uninitializedShape: y.shape)
            Kernels.logSoftmaxBackward(
                output: y.pointer, outputGradient: gradient.pointer, inputGradient: dx.mutablePointer,
                rows: rows, columns: columns)
            node?.accumulateGradient(dx)
        }
    }
}
