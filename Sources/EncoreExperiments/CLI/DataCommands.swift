import EncoreData
import Foundation

extension DataError: ExitCodeError {
    /// 74 for I/O and network failures, 65 for bad or empty data.
    public var exitCode: ExitCode { isIOError ? .ioError : .dataError }
}

extension EncoreCLI {
    /// The `encore data ...` subcommands.
    static let dataCommands: [Command] = [dataFetch, dataInfo, dataExport]

    static let dataDirOption = OptionSpec.value("data-dir", "DIR", "Folder holding local copies (DIR/ml-100k/u.data, ...); searched before $ENCORE_DATA_DIR and the cache.")

    static let dataFetch = Command(
        name: "data fetch", overview: "Download, verify and unpack a MovieLens dataset into the cache.",
        arguments: [ArgumentSpec("NAME", "ml-100k, ml-1m, ml-20m, ml-25m or ml-latest-small.")],
        options: [
            dataDirOption,
            .value("archive", "FILE", "Install from this copy of the official archive (e.g. ml-100k.zip) instead of downloading it."),
        ],
        discussion: """
            The cache is $XDG_CACHE_HOME/encore (default ~/.cache/encore). A local copy of the
            ratings is used first; then --archive, or an archive under its official name
            (ml-100k.zip) in a data directory or the cache, without network; then a download.
            The archive's size and SHA-256 must be the published ones, or nothing is installed
            (a local archive is left as it is).
            EXIT CODES: 65 wrong size or checksum, or a bad archive; 74 network or file error.
            """
    ) { arguments in
        let locations = DataLocations(dataDirectory: arguments.value("data-dir"))
        let archive = arguments.value("archive").map { URL(fileURLWithPath: $0) }
        let file = try DataFetcher.fetch(arguments.positionals[0], locations: locations, archive: archive) { print($0) }
        print("ratings: \(file.path)")
        return .success
    }

    /// The options that choose and preprocess a dataset, shared by `data info` and `data export`.
    static let datasetOptions: [OptionSpec] = [
        dataDirOption,
        .value("implicit", "THRESHOLD", "Keep ratings >= THRESHOLD as 1 (ml-1m-implicit defaults to 4)."),
        .flag("explicit", "Keep rating values."),
        .value("k-core", "K", "Iteratively drop users and items with fewer than K interactions."),
        .value("min-user-interactions", "N", "Drop users with fewer than N interactions (after the k-core)."),
        .value("max-user-interactions", "N", "Drop users with more than N interactions (after the k-core)."),
        .flag("keep-duplicates", "Do not deduplicate (user, item) pairs (default: keep the latest)."),
        .flag("skip-bad-lines", "Skip malformed lines and report how many."),
        .value("separator", "SEP", "Field separator of a plain file (with --columns); e.g. ',' or '::'."),
        .flag("header", "The plain file has a header line."),
        .value("columns", "U,I[,R[,T]]", "0-based columns of user, item, rating, timestamp in a plain file; for a .inter file, header fields (user_id,business_id,stars,date)."),
    ]

    static let dataInfo = Command(
        name: "data info", overview: "Show users, items, interactions and distributions of a dataset, before and after preprocessing.",
        arguments: [ArgumentSpec("NAME|PATH", "A dataset name (\(DataCatalog.names.joined(separator: ", "))) or a ratings file.")],
        options: [.flag("json", "Print one JSON object (users, items, interactions, before, steps, seconds).")] + datasetOptions + [
            .value("split", "JSON|TYPE", "Also split (e.g. user-holdout or '{\"kind\":\"strong-generalization\",\"held_out_users\":500}') and time it."),
            .value("seed", "N", "Seed of the split and of synthetic data (default 0)."),
            .value("save-split", "FILE", "Write the --split to FILE in the split text format (a spec's protocol.split_file reads it)."),
        ],
        discussion: "EXIT CODES: 65 malformed or empty data, 74 unreadable file."
    ) { arguments in
        try runDataInfo(arguments)
    }

    /// Whether the dataset argument is a RecBole `.inter` file (whose `--columns` are field names).
    static func namesInterFile(_ arguments: ParsedArguments) -> Bool {
        URL(fileURLWithPath: arguments.positionals[0]).pathExtension == "inter"
    }

    static func parseFormat(_ arguments: ParsedArguments) throws -> DelimitedFormat? {
        guard let separator = arguments.value("separator") else {
            if arguments.value("columns") != nil && !namesInterFile(arguments) {
                throw UsageError("--columns needs --separator (or a .inter file, whose --columns are header fields)")
            }
            return nil
        }
        let columns = try (arguments.value("columns") ?? "0,1,2,3").split(separator: ",").map { part -> Int in
            guard let c = Int(part), c >= 0 else { throw UsageError("--columns expects 0-based integers like 0,1,2,3, got '\(part)'") }
            return c
        }
        guard (2...4).contains(columns.count), !separator.isEmpty else { throw UsageError("--columns expects 2 to 4 columns and --separator a non-empty string") }
        let unescaped = separator == "\\t" || separator == "tab" ? "\t" : separator
        return DelimitedFormat(separator: unescaped, hasHeader: arguments.flag("header"), userColumn: columns[0], itemColumn: columns[1],
                               ratingColumn: columns.count > 2 ? columns[2] : nil, timestampColumn: columns.count > 3 ? columns[3] : nil)
    }

    /// The `.inter` header fields named by `--columns USER,ITEM[,RATING[,TIMESTAMP]]` (a `:type`
    /// suffix is dropped), or RecBole's standard names.
    static func parseInterFields(_ arguments: ParsedArguments) throws -> RecBole.Fields {
        guard arguments.value("separator") == nil, namesInterFile(arguments), let columns = arguments.value("columns") else {
            return RecBole.Fields()
        }
        let names = columns.split(separator: ",", omittingEmptySubsequences: false).map { String($0.prefix { $0 != ":" }) }
        guard (2...4).contains(names.count), names.allSatisfy({ !$0.isEmpty }) else {
            throw UsageError("--columns of a .inter file expects 2 to 4 header fields USER,ITEM[,RATING[,TIMESTAMP]], got '\(columns)'")
        }
        return RecBole.Fields(user: names[0], item: names[1], rating: names.count > 2 ? names[2] : nil,
                              timestamp: names.count > 3 ? names[3] : nil)
    }

    /// A dataset loaded and preprocessed as the `datasetOptions` say.
    struct PreparedData {
        /// The dataset as loaded.
        var raw: Dataset
        /// What loading read and skipped.
        var load: LoadReport
        /// The dataset after preprocessing.
        var dataset: Dataset
        /// What each preprocessing step removed.
        var report: PreprocessingReport
    }

    /// Loads the dataset argument and preprocesses it as the `datasetOptions` say; `seed` seeds
    /// synthetic data.
    static func prepareData(_ arguments: ParsedArguments, seed: UInt64) throws -> PreparedData {
        let name = arguments.positionals[0]
        let (raw, load) = try DataLoader.load(
            name, locations: DataLocations(dataDirectory: arguments.value("data-dir")), format: try parseFormat(arguments),
            interFields: try parseInterFields(arguments), skipBadLines: arguments.flag("skip-bad-lines"), seed: seed)
        var mode: Preprocessing.Mode? = DataLoader.defaultMode(for: name)
        if let threshold = try arguments.double("implicit") { mode = .implicit(threshold: Float(threshold)) }
        if arguments.flag("explicit") { mode = .explicit }
        let preprocessing = Preprocessing(
            mode: mode, deduplicate: !arguments.flag("keep-duplicates"),
            kCore: try arguments.int("k-core", default: 0, range: 0...1_000_000)!,
            minUserInteractions: try arguments.int("min-user-interactions", default: 0, range: 0...1_000_000)!,
            maxUserInteractions: try arguments.int("max-user-interactions", default: 0, range: 0...1_000_000)!)
        let (dataset, report) = try raw.preprocessed(preprocessing)
        return PreparedData(raw: raw, load: load, dataset: dataset, report: report)
    }

    static func parseSplit(_ text: String) throws -> SplitProtocol {
        let json = text.hasPrefix("{") ? text : "{\"kind\":\"\(text)\"" + (text == "strong-generalization" ? ",\"held_out_users\":100}" : "}")
        do { return try JSONDecoder().decode(SplitProtocol.self, from: Data(json.utf8)) } catch {
            throw UsageError("--split: \(error)")
        }
    }

    static func runDataInfo(_ arguments: ParsedArguments) throws -> ExitCode {
        let seed = UInt64(try arguments.int("seed", default: 0, range: 0...Int.max)!)
        let clock = ContinuousClock()
        let start = clock.now
        let prepared = try prepareData(arguments, seed: seed)
        let (raw, load, dataset, report) = (prepared.raw, prepared.load, prepared.dataset, prepared.report)
        let loadSeconds = (clock.now - start).seconds
        var splitLine: String?
        var splitSeconds: Double?
        if arguments.value("save-split") != nil, arguments.value("split") == nil { throw UsageError("--save-split needs --split") }
        if let splitText = arguments.value("split") {
            let splitStart = clock.now
            let split = try makeSplit(dataset, protocol: try parseSplit(splitText), seed: seed)
            splitSeconds = (clock.now - splitStart).seconds
            splitLine = "split: train \(split.trainingData.train.rows) rows x \(split.trainingData.itemCount) items, \(split.trainingData.train.nonzeroCount) entries"
            if let file = arguments.value("save-split") { try split.write(to: URL(fileURLWithPath: file)) }
        }
        let before = DataStatistics(raw), after = DataStatistics(dataset)
        if arguments.flag("json") {
            var object: [String: Any] = [
                "name": dataset.name, "users": after.users, "items": after.items, "interactions": after.interactions,
                "density": after.density, "implicit": after.implicit, "skippedLines": load.skippedLines,
                "loadSeconds": loadSeconds,
                "before": ["users": before.users, "items": before.items, "interactions": before.interactions],
                "steps": report.steps.map { ["step": $0.name, "interactions": $0.interactions, "users": $0.users, "items": $0.items] },
                "interactionsPerUser": Dictionary(uniqueKeysWithValues: zip(after.quantileLevels.map { "\($0)" }, after.interactionsPerUser)),
                "interactionsPerItem": Dictionary(uniqueKeysWithValues: zip(after.quantileLevels.map { "\($0)" }, after.interactionsPerItem)),
                "ratingHistogram": Dictionary(uniqueKeysWithValues: after.ratingHistogram.map { ("\($0.rating)", $0.count) }),
            ]
            if let splitSeconds { object["splitSeconds"] = splitSeconds }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return .success
        }
        print("\(dataset.name)")
        if load.skippedLines > 0 { print("skipped \(load.skippedLines) malformed lines (first: \(load.firstSkipped ?? ""))") }
        print("before preprocessing:\n" + before.summary.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        if !report.steps.isEmpty { print(report.description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")) }
        print("after preprocessing:\n" + after.summary.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        print(String(format: "load + preprocess: %.3f s", loadSeconds))
        if let splitLine, let splitSeconds { print(splitLine + String(format: " (%.3f s)", splitSeconds)) }
        return .success
    }
}

extension Duration {
    /// The duration in seconds.
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
