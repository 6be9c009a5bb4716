import EncoreData
import Foundation

extension EncoreCLI {
    static let dataExport = Command(
        name: "data export", overview: "Write a dataset after preprocessing, and a split of it, as RecBole atomic files.",
        arguments: [ArgumentSpec("NAME|PATH", "A dataset name (\(DataCatalog.names.joined(separator: ", "))) or a ratings file.")],
        options: [
            .value("format", "FORMAT", "The output format: recbole (RecBole atomic .inter files)."),
            .value("output", "DIR", "Write DIR/NAME/NAME.inter, and with --split NAME.train.inter, NAME.valid.inter, NAME.test.inter."),
            .value("name", "NAME", "The dataset name RecBole is given (default: the dataset's, e.g. ml-100k, or the file name)."),
        ] + datasetOptions + [
            .value("split", "JSON|KIND", "Also write this split (e.g. user-holdout or '{\"kind\":\"leave-one-out\"}') as RecBole benchmark files."),
            .value("seed", "N", "Seed of the split and of synthetic data (default 0)."),
        ],
        discussion: """
            Lines carry the original user and item IDs, the rating (not for implicit data) and the
            timestamp, under the header user_id:token item_id:token rating:float timestamp:float.
            RecBole reads the files with data_path: DIR and dataset: NAME, and a split with
            benchmark_filename: [train, valid, test]. Splits that hold out whole users (strong
            generalization, k-fold over users) write each held-out user's fold-in and targets
            together in the valid or test file: RecBole has no fold-in.
            EXIT CODES: 64 usage error, 65 malformed or empty data or a split that cannot be made,
            74 unreadable input or unwritable output.
            """
    ) { arguments in
        try runDataExport(arguments)
    }

    static func runDataExport(_ arguments: ParsedArguments) throws -> ExitCode {
        guard let format = arguments.value("format") else { throw UsageError("--format FORMAT is required; the one format is recbole") }
        guard format == "recbole" else { throw UsageError("--format: unknown format '\(format)'; expected recbole") }
        guard let output = arguments.value("output") else { throw UsageError("--output DIR is required") }
        if let name = arguments.value("name"), name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw UsageError("--name must be a plain file name (no '/', not starting with '.'), got '\(name)'")
        }
        let seed = UInt64(try arguments.int("seed", default: 0, range: 0...Int.max)!)
        let prepared = try prepareData(arguments, seed: seed)
        let dataset = prepared.dataset
        if prepared.load.skippedLines > 0 {
            print("skipped \(prepared.load.skippedLines) malformed lines (first: \(prepared.load.firstSkipped ?? ""))")
        }
        let name = arguments.value("name") ?? dataset.name
        let folder = URL(fileURLWithPath: output).appendingPathComponent(name)
        // The split is made (and can fail) before anything is written.
        let split = try arguments.value("split").map { try makeSplit(dataset, protocol: try parseSplit($0), seed: seed) }
        if let split {
            let counts = try RecBole.writeBenchmark(dataset, split: split, name: name, to: folder)
            for (suffix, count) in zip(RecBole.benchmarkSuffixes, [counts.train, counts.validation, counts.test]) {
                print("wrote \(folder.appendingPathComponent("\(name).\(suffix).inter").path) (\(count) interactions)")
            }
            if case let .ranking(targets) = split.test, targets.trainingRows.contains(where: { $0 < 0 }) {
                print("held-out users: fold-in and targets are both in \(name).valid.inter and \(name).test.inter (RecBole has no fold-in)")
            }
            if counts.leftOut > 0 {
                print("\(counts.leftOut) interactions of held-out users are in no file (items no training user has, or users left with fewer than two such items)")
            }
        }
        let file = folder.appendingPathComponent("\(name).inter")
        try RecBole.write(dataset, to: file)
        print("wrote \(file.path) (\(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactions.count) interactions)")
        print("RecBole: data_path: \(URL(fileURLWithPath: output).path), dataset: \(name)"
              + (split == nil ? "" : ", benchmark_filename: [train, valid, test]"))
        return .success
    }
}
