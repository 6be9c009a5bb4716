import Foundation

/// The colour of each model label in the plots, fixed by the label itself so that the same
/// experiment draws the same colours however its runs were ordered, sharded, merged or rerun.
///
/// The rule, for a set of labels (an experiment's labels, every setting's included):
/// 1. Each label prefers the palette slot `FNV-1a-64(UTF-8 label) mod palette.count` (a hash
///    fixed across processes and platforms, unlike Swift's seeded `Hasher`).
/// 2. Every slot preferred by one or more labels goes to the first of them in code-point order.
/// 3. The remaining labels, in code-point order, take the next free slot after their preferred
///    one (wrapping). Once every slot is taken, the palette starts over (colours repeat only
///    when there are more labels than colours).
///
/// A label's colour thus depends on the label and on the set of labels, never on their order:
/// the merged shards of an experiment hold the labels of the whole run, so they draw its colours,
/// and a label that wins its preferred slot keeps that colour in every plot it appears in.
public struct PlotColors: Sendable, Hashable {
    /// Series colours: Okabe-Ito's colour-blind-safe set (without its yellow, too light for lines
    /// on white), then brown, grey and a dark olive, each legible as a thin line on white.
    public static let palette = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B", "#7F7F7F", "#999933",
    ]

    /// The assigned colour per label.
    public let colors: [String: String]

    /// Assigns colours to `labels` (duplicates and order are ignored).
    public init<Labels: Sequence>(labels: Labels) where Labels.Element == String {
        let sorted = Set(labels).sorted { $0.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
        var slotOf: [String: Int] = [:]
        var remaining = sorted
        while !remaining.isEmpty {
            var taken = [Bool](repeating: false, count: Self.palette.count)
            var losers: [String] = []
            for label in remaining {
                let slot = Self.preferredSlot(label)
                if taken[slot] { losers.append(label) } else { taken[slot] = true; slotOf[label] = slot }
            }
            var next: [String] = []
            for label in losers {
                let start = Self.preferredSlot(label)
                if let offset = (1..<Self.palette.count).first(where: { !taken[(start + $0) % Self.palette.count] }) {
                    let slot = (start + offset) % Self.palette.count
                    taken[slot] = true
                    slotOf[label] = slot
                } else {
                    next.append(label)
                }
            }
            remaining = next
        }
        colors = slotOf.mapValues { Self.palette[$0] }
    }

    /// The colour of `label`; a label outside the assigned set gets its preferred slot's colour.
    public func color(_ label: String) -> String {
        colors[label] ?? Self.palette[Self.preferredSlot(label)]
    }

    /// The palette slot a label prefers: its 64-bit FNV-1a hash modulo the palette size.
    static func preferredSlot(_ label: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(palette.count))
    }
}
