import Foundation

/// A gated recurrent unit layer over a batch of variable-length sequences, with the gate equations
/// of PyTorch's `nn.GRU`:
///
/// ```
/// r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
/// z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
/// h' = (1 - z) * n + z * h
/// ```
///
/// The reset gate multiplies the recurrent product `W_hn h + b_hn` after it is computed, as
/// PyTorch (and cuDNN) do, not the state before the product as in Cho et al. (2014). The initial
/// state is zero.
///
/// Layouts: packed (`packed(_:lengths:)`), the steps of every sequence one after another,
/// `[sum(lengths), inputs]`; or padded (`callAsFunction`), a batch of `B` sequences padded to
/// `T` steps as one `[B * T, inputs]` matrix, row `b * T + t` holding step `t` of sequence `b`.
/// The output has the input's layout, with zero rows at padded steps. Padded input rows are never
/// read and receive no gradient, so padding never changes a result or a gradient. The input
/// projections of all real steps are one GEMM; only the recurrent product
/// `[active, hidden] x [hidden, 3 hidden]` runs inside the time loop, over the sequences still
/// active at that step.
///
/// ```swift
/// var rng = SeededRNG(seed: 1)
/// let gru = GRU(inputs: 256, hidden: 200, rng: &rng)
/// let states = gru(embedded, lengths: [5, 3])   // embedded: [2 * 5, 256] -> [2 * 5, 200]
/// ```
public final class GRU: Sendable {
    /// `[inputs, 3 * hidden]`: the input weights of the gates r, z, n, in that column order.
    public let inputWeight: Variable
    /// `[hidden, 3 * hidden]`: the recurrent weights of the gates r, z, n.
    public let hiddenWeight: Variable
    /// `[3 * hidden]`: the input biases `b_ir, b_iz, b_in`.
    public let inputBias: Variable
    /// `[3 * hidden]`: the recurrent biases `b_hr, b_hz, b_hn`.
    public let hiddenBias: Variable
    /// Input width and state width.
    public let inputs: Int, hidden: Int

    /// A layer initialised as PyTorch does: every weight and bias uniform in `±1/sqrt(hidden)`.
    /// - Parameters:
    ///   - inputs: input width; `hidden`: state width.
    ///   - rng: the seeded generator the parameters are drawn from.
    public init(inputs: Int, hidden: Int, rng: inout SeededRNG) {
        precondition(inputs > 0 && hidden > 0, "GRU needs positive sizes, got inputs \(inputs), hidden \(hidden)")
        self.inputs = inputs
        self.hidden = hidden
        let limit = 1 / Float(hidden).squareRoot()
        func draw(_ shape: [Int]) -> Variable {
            Variable(Tensor.uniform(shape, low: -limit, high: limit, rng: &rng), requiresGrad: true)
        }
        inputWeight = draw([inputs, 3 * hidden])
        hiddenWeight = draw([hidden, 3 * hidden])
        inputBias = draw([3 * hidden])
        hiddenBias = draw([3 * hidden])
    }

    /// The parameters in a fixed order: input weight, recurrent weight, input bias, recurrent bias.
    public var parameters: [Variable] { [inputWeight, hiddenWeight, inputBias, hiddenBias] }

    /// Runs the layer over padded sequences.
    /// - Parameters:
    ///   - input: `[B * T, inputs]`, row `b * T + t` = step `t` of sequence `b`.
    ///   - lengths: `[B]`, each in `0...T`.
    ///   - mode: `.inference` uses the parameters as constants (no graph is recorded).
    ///   - threads: GEMM threads (`nil`: all cores).
    /// - Returns: `[B * T, hidden]`, the state after each real step; zero rows at padding.
    public func callAsFunction(
        _ input: Variable, lengths: [Int], mode: GradientMode = .recording, threads: Int? = nil
    ) -> Variable {
        precondition(!lengths.isEmpty && input.value.rows % lengths.count == 0,
                     "GRU: input \(input.shape) is not \(lengths.count) padded sequences")
        precondition(input.value.cols == inputs, "GRU expects [B * T, \(inputs)], got \(input.shape)")
        let steps = input.value.rows / lengths.count
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= steps }, "GRU: lengths \(lengths) outside 0...\(steps)")
        let realRows = lengths.enumerated().flatMap { b, length in (b * steps)..<(b * steps + length) }
        return packed(input.gatherRows(realRows), lengths: lengths, mode: mode, threads: threads)
            .scatterRows(realRows, rowCount: input.value.rows)
    }

    /// Runs the layer over packed sequences.
    /// - Parameters:
    ///   - input: `[sum(lengths), inputs]`: the steps of sequence 0, then those of sequence 1, ...
    ///   - lengths: `[B]`, each >= 0.
    ///   - mode: `.inference` uses the parameters as constants (no graph is recorded).
    ///   - threads: GEMM threads (`nil`: all cores).
    /// - Returns: `[sum(lengths), hidden]`, the state after each step, in the input's order.
    public func packed(
        _ input: Variable, lengths: [Int], mode: GradientMode = .recording, threads: Int? = nil
    ) -> Variable {
        precondition(lengths.allSatisfy { $0 >= 0 } && lengths.reduce(0, +) == input.value.rows,
                     "GRU: packed input \(input.shape) does not hold sequences of lengths \(lengths)")
        precondition(input.value.cols == inputs, "GRU expects [steps, \(inputs)], got \(input.shape)")
        let projected = matmul(input, inputWeight.tracked(mode), threads: threads) + inputBias.tracked(mode)
        return gatedRecurrence(
            projected, hiddenWeight: hiddenWeight.tracked(mode), hiddenBias: hiddenBias.tracked(mode),
            lengths: lengths, threads: threads)
    }
}

/// The recurrent part of `GRU` as one op: given the packed input projections `[steps, 3H]`
/// (biases included), runs the time loop and records a backward rule that runs it in reverse
/// (back-propagation through time). Sequences are visited longest first, so the ones active at
/// step `t` are a prefix of the state matrix and each step is one `[active, H] x [H, 3H]` GEMM.
/// The recurrent weight's gradient is one GEMM over all steps after the loop.
func gatedRecurrence(
    _ gates: Variable, hiddenWeight: Variable, hiddenBias: Variable, lengths: [Int], threads: Int?
) -> Variable {
    let batch = lengths.count, width = gates.value.cols, h = width / 3
    let steps = lengths.max() ?? 0
    // Row of step t of sequence b: start[b] + t.
    var start = [Int](repeating: 0, count: batch)
    for b in 1..<max(batch, 1) { start[b] = start[b - 1] + lengths[b - 1] }
    requireShape(hiddenWeight.shape == [h, width] && hiddenBias.value.count == width,
                 "gatedRecurrence: gates \(gates.shape), recurrent weight \(hiddenWeight.shape), bias \(hiddenBias.shape)")
    let order = (0..<batch).sorted { lengths[$0] > lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
    let active = (0..<steps).map { t in order.prefix { lengths[$0] > t }.count }
    let rowCount = gates.value.rows
    // A step's product is small: below 64 rows it runs on this thread (splitting it over threads
    // costs more than it saves) against the weight packed once for all steps (packing it at every
    // step costs as much as the arithmetic at a few rows). Both give the same bits.
    func stepProduct(_ rows: Tensor, _ weight: Tensor, transposed: Bool, packed: PackedMatrix) -> Tensor {
        rows.rows >= 64 ? Tensor.matmul(rows, weight, transposeB: transposed, threads: threads) : Tensor.matmul(rows, packed)
    }
    var output = Tensor(shape: [rowCount, h])
    // Per real row, what the backward pass reads: r, z, n and W_hn h + b_hn, side by side.
    var tape = Tensor(shape: [rowCount, 4 * h])
    var state = Tensor(shape: [batch, h])
    let weight = hiddenWeight.value, bias = hiddenBias.value
    let packedWeight = PackedMatrix(weight)
    for t in 0..<steps where active[t] > 0 {
        let count = active[t]
        let recurrent = stepProduct(state.rows(0..<count), weight, transposed: false, packed: packedWeight)
        gates.value.withUnsafeBufferPointer { gx in
            recurrent.withUnsafeBufferPointer { gh in
                bias.withUnsafeBufferPointer { bh in
                    tape.withUnsafeMutableBufferPointer { tp in
                        output.withUnsafeMutableBufferPointer { out in
                            state.withUnsafeMutableBufferPointer { st in
                                for i in 0..<count {
                                    let row = start[order[i]] + t
                                    let x = gx.baseAddress! + row * width, y = gh.baseAddress! + i * width
                                    let saved = tp.baseAddress! + row * 4 * h, s = st.baseAddress! + i * h
                                    let b = bh.baseAddress!, o = out.baseAddress! + row * h
                                    // Eight units at a time (`VectorMath`), the last group partly
                                    // filled, so every unit gets the same functions.
                                    var j = 0
                                    while j < h {
                                        let lanes = min(8, h - j)
                                        let r = VectorMath.sigmoid(lanes8(x + j, lanes) + lanes8(y + j, lanes) + lanes8(b + j, lanes))
                                        let z = VectorMath.sigmoid(
                                            lanes8(x + h + j, lanes) + lanes8(y + h + j, lanes) + lanes8(b + h + j, lanes))
                                        let hn = lanes8(y + 2 * h + j, lanes) + lanes8(b + 2 * h + j, lanes)
                                        let n = VectorMath.tanh(lanes8(x + 2 * h + j, lanes) + r * hn)
                                        let next = (1 - z) * n + z * lanes8(s + j, lanes)
                                        store8(r, saved + j, lanes)
                                        store8(z, saved + h + j, lanes)
                                        store8(n, saved + 2 * h + j, lanes)
                                        store8(hn, saved + 3 * h + j, lanes)
                                        store8(next, o + j, lanes)
                                        store8(next, s + j, lanes)
                                        j += lanes
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let states = output, saved = tape
    return Variable.record(output, inputs: [gates, hiddenWeight, hiddenBias]) { g in
        // dL/d(gate pre-activations) per row, for the input side and for the recurrent product.
        var gatesGrad = Tensor(shape: [rowCount, width]), recurrentGrad = Tensor(shape: [rowCount, width])
        // dL/dh_t flowing back from step t + 1, in the visiting order.
        var carry = Tensor(shape: [batch, h])
        let packedTranspose = PackedMatrix(weight, transposed: true)
        for t in (0..<steps).reversed() where active[t] > 0 {
            let count = active[t]
            g.withUnsafeBufferPointer { up in
                states.withUnsafeBufferPointer { out in
                    saved.withUnsafeBufferPointer { tp in
                        gatesGrad.withUnsafeMutableBufferPointer { dx in
                            recurrentGrad.withUnsafeMutableBufferPointer { dr in
                                carry.withUnsafeMutableBufferPointer { cy in
                                    for i in 0..<count {
                                        let row = start[order[i]] + t
                                        let m = tp.baseAddress! + row * 4 * h
                                        let gx = dx.baseAddress! + row * width, gh = dr.baseAddress! + row * width
                                        for j in 0..<h {
                                            let k = row * h + j
                                            let previous = t > 0 ? out[k - h] : 0
                                            let (r, z, n, hn) = (m[j], m[h + j], m[2 * h + j], m[3 * h + j])
                                            let dh = cy[i * h + j] + up[k]
                                            let dn = dh * (1 - z) * (1 - n * n)
                                            let dz = dh * (previous - n) * z * (1 - z)
                                            let dr = dn * hn * r * (1 - r)
                                            (gx[j], gx[h + j], gx[2 * h + j]) = (dr, dz, dn)
                                            (gh[j], gh[h + j], gh[2 * h + j]) = (dr, dz, dn * r)
                                            cy[i * h + j] = dh * z
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            guard t > 0 else { continue }
            let stepRows = order.prefix(count).map { start[$0] + t }
            let back = stepProduct(recurrentGrad.gatherRows(stepRows), weight, transposed: true, packed: packedTranspose)
            back.withUnsafeBufferPointer { b in
                carry.withUnsafeMutableBufferPointer { cy in for e in b.indices { cy[e] += b[e] } }
            }
        }
        gates.accumulate(gatesGrad)
        if hiddenWeight.requiresGrad {
            // Row start[b] + t of `previous` is h_{t-1} of sequence b (zero at t = 0).
            var previous = Tensor(shape: [rowCount, h])
            states.withUnsafeBufferPointer { out in
                previous.withUnsafeMutableBufferPointer { pv in
                    for b in 0..<batch where lengths[b] > 1 {
                        let first = start[b] * h
                        (pv.baseAddress! + first + h).update(from: out.baseAddress! + first, count: (lengths[b] - 1) * h)
                    }
                }
            }
            hiddenWeight.accumulate(Tensor.matmul(previous, recurrentGrad, transposeA: true, threads: threads))
        }
        if hiddenBias.requiresGrad { hiddenBias.accumulate(recurrentGrad.columnSums().reshaped(hiddenBias.shape)) }
    }
}

/// `lanes` (at most 8) floats from `source`, the other lanes zero.
@inline(__always)
private func lanes8(_ source: UnsafePointer<Float>, _ lanes: Int) -> SIMD8<Float> {
    if lanes == 8 { return UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self) }
    var v = SIMD8<Float>()
    for l in 0..<lanes { v[l] = source[l] }
    return v
}

/// Writes the first `lanes` (at most 8) lanes of `value` to `target`.
@inline(__always)
private func store8(_ value: SIMD8<Float>, _ target: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 8 { return UnsafeMutableRawPointer(target).storeBytes(of: value, as: SIMD8<Float>.self) }
    for l in 0..<lanes { target[l] = value[l] }
}
