import Foundation

extension ReportWriter {
    /// Writes one set of tables and plots per evaluation setting of a comparison spec, each into
    /// `directory/<setting.folder>`, and a top-level `table.md` joining the tables.
    /// - Parameters:
    ///   - results: every run of the experiment; each setting's table gets the runs of its labels.
    ///   - settings: the settings, as recorded in `results.json` (`ResultsFile.settings`).
    /// - Returns: the joined Markdown, the files written and the tables' warnings, each
    ///   starting with its setting's folder.
    public static func write(
        _ results: MergedResults, settings: [SettingContext], to directory: URL
    ) throws -> (markdown: String, files: [URL], warnings: [String]) {
        var joined = "# \(results.file.experiment)\n\n"
        var files: [URL] = []
        var warnings: [String] = []
        // One colour per label across the settings, from every label of the experiment.
        let colors = PlotColors(labels: results.file.runs.map(\.label) + settings.flatMap(\.labels))
        for setting in settings {
            let labels = Set(setting.labels)
            var subset = results.file
            subset.runs = results.file.runs.filter { labels.contains($0.label) }
            subset.context = setting.context
            subset.settings = nil
            let folder = directory.appendingPathComponent(setting.folder)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw ResultStoreError.io(path: folder.path, reason: error.localizedDescription)
            }
            let written = try write(MergedResults(file: subset, perUser: results.perUser), to: folder, context: setting.context,
                                    setting: settingName(folder: setting.folder), colors: colors)
            files += written.files
            warnings += written.table.warnings.map { "\(setting.folder): \($0)" }
            // The setting's own table.md starts with the experiment as its title; the joined file
            // has that title once, then one section per setting.
            var markdown = written.table.markdown
            let title = "# \(setting.context.experiment)\n\n"
            if markdown.hasPrefix(title) { markdown.removeFirst(title.count) }
            joined += "## \(setting.folder)\n\n" + markdown + "\n"
        }
        let top = directory.appendingPathComponent("table.md")
        try AtomicFile.write(joined, to: top)
        return (joined, files + [top], warnings)
    }

    /// A setting's readable name from its folder: `setting-2-rating-holdout` is
    /// `setting 2: rating-holdout`; other folder names are kept as they are.
    static func settingName(folder: String) -> String {
        let parts = folder.split(separator: "-", maxSplits: 2)
        guard parts.count == 3, parts[0] == "setting", Int(parts[1]) != nil else { return folder }
        return "setting \(parts[1]): \(parts[2])"
    }
}
