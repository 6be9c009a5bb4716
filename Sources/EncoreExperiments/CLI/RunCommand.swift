import EncoreModels
import Foundation

extension EncoreCLI {
    /// `encore run SPEC ...`: runs an experiment and writes its results, tables and plots;
    /// model names resolve through `registry`. Each run is a child process of `childExecutable`
    /// when given, else runs in this process.
    static func runCommand(registry: ModelRegistry, childExecutable: String?) -> Command { Command(
        name: "run",
        overview: "Run an experiment spec: train, select on validation, test, and write tables and plots.",
        arguments: [ArgumentSpec("SPEC", "The experiment spec (JSON).")],
        options: [
            .value("set", "KEY.PATH=VALUE", "Override a spec value (VALUE is JSON, else a string).", repeatable: true),
            .value("threads", "N", "Shorthand for --set threads=N."),
            dataDirectoryOption,
            .flag("resume", "Skip finished runs and continue interrupted ones from their last checkpoint."),
            .value("shard", "I/N", "Run only the I-th of N disjoint slices of the run list."),
            .value("save-recommendations", "K", "Write each test user's top-K items and the test targets."),
            .flag("save-model", "Keep the fitted model of each chosen run in models/ (see 'encore recommend')."),
            .value("output", "DIR", "Write results to DIR instead of the spec's output.directory."),
            .value("checkpoint-every", "N", "Write a checkpoint every N epochs (default 5; 0 disables)."),
            .value("jobs", "N", "Run N runs at once, each in its own process (default 1)."),
            .value("timeout", "SECONDS", "Stop a run after SECONDS and record it as failed."),
            memoryLimitOption,
            .flag("quiet", "Print nothing but errors and the final table."),
        ],
        discussion: """
            Progress goes to standard error: one live line per run on a terminal, plain log lines
            otherwise. Each line names the run ([ease lambda=500 seed 1]: label, grid point,
            seed), its place (run 3/12), the epoch, loss and validation value, and the run's and
            the experiment's ETA. The same lines, as plain text, go to run.log in the output
            directory (appended to on --resume). The final table is printed on standard output.

            --data-dir DIR is --set dataset.data_dir=DIR: where the spec's named dataset is
            found (DIR/ml-1m/ratings.dat), before $ENCORE_DATA_DIR and the cache.

            Ctrl-C stops the experiment with exit code 130 after printing the command that
            resumes it (the same arguments plus --resume): finished runs are kept and the
            interrupted run continues from its last checkpoint (see --checkpoint-every).

            Each run (model, grid point, seed) runs in a child process of encore, so its peak
            memory is its own, and a crash, a kill by the out-of-memory killer or --timeout
            makes that run a failed record with the reason while the experiment goes on (exit
            code 1 at the end). --jobs N runs N such processes at once; --threads is per
            process, so keep jobs x threads at or below the number of cores.

            --save-model (or the spec's output.save_models) keeps the fitted model of each
            chosen run, every seed of the grid point the table chooses, in
            models/<label>-seed<seed>/ for 'encore recommend'.

            After loading the data and before building any model, every run's memory is
            estimated for the loaded data; a run over the memory limit (--memory-limit, else
            $ENCORE_MEMORY_LIMIT, else 75% of physical memory) is a spec error naming its JSON
            path. A metric whose cut-off is above the item count has its top-k list capped at
            the item count (the formula is unchanged), with a note.

            EXAMPLES:
              encore run experiments/quickstart.json
              encore run experiments/ml1m-ranking.json --set dataset.path=../shared/data/ml-1m-implicit/ratings.dat --set seeds=[1]
              encore run experiments/ml100k-rating.json --data-dir ../shared/data --set seeds=[1]
              encore run experiments/ml1m-ranking.json --shard 2/4 --output results/ml1m-ranking-shard2

            EXIT CODES: 0 all runs ok, 1 some runs failed, 64 usage or spec error, 65 data error,
            74 I/O error, 130 interrupted.
            """
    ) { arguments in
        let spec = try loadSpec(arguments, registry: registry)
        var options = RunOptions()
        options.resume = arguments.flag("resume")
        if let shard = arguments.value("shard") { options.shard = try Shard(parsing: shard) }
        options.saveRecommendations = try arguments.int("save-recommendations", range: 1...100_000)
        options.saveModels = arguments.flag("save-model")
        options.outputDirectory = arguments.value("output")
        options.checkpointInterval = try arguments.int("checkpoint-every", default: 5, range: 0...1_000_000) ?? 5
        options.memoryLimit = try memoryLimit(arguments)
        options.jobs = try arguments.int("jobs", default: 1, range: 1...256) ?? 1
        options.timeout = try arguments.double("timeout")
        if let timeout = options.timeout, timeout <= 0 {
            throw UsageError("--timeout expects a number of seconds above 0, got '\(arguments.value("timeout") ?? "")'")
        }
        if let childExecutable {
            options.isolation = .childProcesses(executable: childExecutable)
        } else if options.jobs > 1 || options.timeout != nil {
            throw UsageError(
                "--jobs and --timeout need each run in a child process, which only an executable started by EncoreCLI.main runs")
        }
        let progress = ProgressReporter(mode: .automatic(quiet: arguments.flag("quiet")))
        InterruptHandler.install(line: InterruptHandler.resumeLine(
            program: CommandLine.arguments.first ?? "encore", arguments: arguments.raw))
        defer { InterruptHandler.uninstall() }
        let runner = ExperimentRunner(spec: spec, registry: registry, options: options, progress: progress)
        let outcome = try runner.run()
        // The terminal gets the table without Markdown escapes; table.md keeps them.
        let table = ResultTable.unescapingMarkdown(outcome.markdown)
        print(table)
        progress.logOnly(table)
        progress.message(
            "\(outcome.succeeded) runs ok, \(outcome.failed) failed, \(outcome.skipped) already done"
                + (outcome.skippedFailed > 0 ? " (\(outcome.skippedFailed) of them recorded as failed)" : "")
                + "; results in \(outcome.directory.relativePath)")
        return outcome.failed + outcome.skippedFailed > 0 ? .someRunsFailed : .success
    } }
}
