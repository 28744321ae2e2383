extension Variable {
    /// The mean over each feature map: `[N, C, H, W]` becomes `[N, C]`. The WideResNet
    /// encoder ends with it (Method.md section 6).
    public func globalAveragePooled() -> Variable {
        precondition(rank4(shape), "globalAveragePooled() needs [N, C, H, W], got \(shape).")
        let inputShape = shape
        let planes = shape[0] * shape[1]
        let pixels = shape[2] * shape[3]
        let scale = 1 / Float(max(pixels, 1))
        var result = Tensor(uninitializedShape: [shape[0], shape[1]])
        let x = value.pointer
        let y = result.mutablePointer
        for p in 0..<planes { y[p] = Kernels.sum(x + p * pixels, count: pixels) * scale }
        return Variable(result, inputs: [self]) { [node] gradient in
            var dx = Tensor(uninitializedShape: inputShape)
            let out = dx.mutablePointer
            let g = gradient.pointer
            for p in 0..<planes { Kernels.fill(out + p * pixels, with: g[p] * scale, count: pixels) }
            node?.accumulateGradient(dx)
        }
    }
}
