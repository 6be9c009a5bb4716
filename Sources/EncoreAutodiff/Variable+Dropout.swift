// Dropout with the mask drawn from a caller's `SeededRNG` and the training flag passed in.

extension Variable {
    /// Inverted dropout: each element is zeroed with probability `rate` and survivors are scaled by
    /// `1 / (1 - rate)`, so inference (`training: false`, the identity) needs no rescaling.
    /// - Parameters:
    ///   - rate: drop probability in `[0, 1)`.
    ///   - training: `false` returns `self` unchanged and draws nothing.
    ///   - rng: advanced by one draw per element when training.
    public func dropout(rate: Float, training: Bool, rng: inout SeededRNG) -> Variable {
        requireArgument(rate >= 0 && rate < 1, "dropout: rate must be in [0, 1), got \(rate)")
        guard training, rate > 0 else { return self }
        let keep = 1 / (1 - rate)
        var mask = Tensor(uninitializedShape: value.shape)
        mask.withUnsafeMutableBufferPointer { m in
            for i in m.indices { m[i] = rng.uniform() < rate ? 0 : keep }
        }
        return Variable.record(value * mask, inputs: [self]) { g in self.accumulate(g * mask) }
    }
}

extension SparseMatrix {
    /// Inverted dropout of the stored entries of a (constant) sparse input, e.g. the corrupted
    /// interaction rows fed to Mult-DAE/Mult-VAE: dropped entries are removed, kept ones scaled
    /// by `1 / (1 - rate)`. Returns `self` when not training.
    /// - Parameters: `rate` in `[0, 1)`; `rng` advanced by one draw per stored entry when training.
    public func dropout(rate: Float, training: Bool, rng: inout SeededRNG) -> SparseMatrix {
        requireArgument(rate >= 0 && rate < 1, "SparseMatrix.dropout: rate must be in [0, 1), got \(rate)")
        guard training, rate > 0 else { return self }
        let keep = 1 / (1 - rate)
        var pointers = [0], columns: [Int32] = [], kept: [Float] = []
        columns.reserveCapacity(nonzeroCount)
        kept.reserveCapacity(nonzeroCount)
        for r in 0..<rows {
            for e in rowPointers[r]..<rowPointers[r + 1] where rng.uniform() >= rate {
                columns.append(columnIndices[e])
                kept.append(values[e] * keep)
            }
            pointers.append(columns.count)
        }
        return SparseMatrix(rows: rows, cols: cols, rowPointers: pointers, columnIndices: columns, values: kept)
    }
}
