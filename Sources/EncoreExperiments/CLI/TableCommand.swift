import Foundation

extension EncoreCLI {
    /// `encore table DIR... [--output DIR]`: merges the result stores of one experiment (for
    /// example the shards of `encore run --shard I/N`) and writes one set of tables and plots.
    static let tableCommand = Command(
        name: "table",
        overview: "Merge result directories of one experiment and write its tables and plots.",
        arguments: [ArgumentSpec("DIR...", "Result directories holding results.json (shards of one experiment).")],
        options: [
            .value("output", "DIR", "Where to write the tables and plots (default: the first DIR)."),
            .value("merge-results", "DIR", "Also write the merged results.json and per-user files into DIR."),
            .flag("quiet", "Do not print the Markdown table."),
        ],
        discussion: "Writes table.md, table.csv, table.tex, curves.svg and summary.svg, and prints the table\n"
            + "(without the Markdown escapes of table.md).\n"
            + "EXIT CODES: 0 ok, 64 usage error or directories of different experiments, 74 I/O error."
    ) { arguments in
        try runTable(arguments)
    }

    /// Runs `encore table` on parsed arguments (every positional is a directory).
    static func runTable(_ arguments: ParsedArguments) throws -> ExitCode {
        let directories = arguments.positionals.map { URL(fileURLWithPath: $0) }
        let merged = try MergedResults.load(directories: directories)
        let output = arguments.value("output").map { URL(fileURLWithPath: $0) } ?? directories[0]
        var mergedStore: ResultStore?
        if let target = arguments.value("merge-results").map({ URL(fileURLWithPath: $0) }) {
            let store = try ResultStore(directory: target, identity: ResultsFile(
                experiment: merged.file.experiment, specSHA256: merged.file.specSHA256, dataSHA256: merged.file.dataSHA256,
                context: merged.file.context, provenance: merged.file.provenance, settings: merged.file.settings),
                resume: true)
            for run in merged.file.runs { try store.append(run) }
            for (runID, metrics) in merged.perUser { try store.writePerUserMetrics(metrics, runID: runID) }
            mergedStore = store
        }
        let markdown: String, files: [URL], warnings: [String]
        if let settings = merged.file.settings, settings.count > 1 {
            // A comparison spec: one table per evaluation setting, as `encore run` writes them.
            (markdown, files, warnings) = try ReportWriter.write(merged, settings: settings, to: output)
        } else {
            let written = try ReportWriter.write(merged, to: output)
            (markdown, files, warnings) = (written.table.markdown, written.files, written.table.warnings)
        }
        try mergedStore?.update(warnings: warnings)
        if !arguments.flag("quiet") {
            print(ResultTable.unescapingMarkdown(markdown))
            print("Wrote " + files.map(\.path).joined(separator: ", "))
        }
        return .success
    }
}
