import ArgumentParser
import Foundation
import TradeCore
import TradeRunner
import TradeAnalysis

/// `tradewatch`: the root command. Subcommands are declared in `Commands/`.
@main
struct TradeWatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradewatch",
        abstract: "Rare-earth trade statistics: extract → normalize → load → detect → report.",
        discussion: "Exit codes: 0 success, 1 failure (nothing half-loaded), 2 usage error, 3 another run holds the lock, 4 a finding reached --fail-on.",
        version: "tradewatch \(TradeWatchVersion.string) (detectors \(DetectorSuite.version))",
        subcommands: [Run.self, Init.self, Fetch.self, Load.self, Detect.self, Report.self, Query.self, Explain.self, Status.self,
                      Completion.self])

    /// Parses, runs, and maps every outcome onto the exit codes of docs/ARCHITECTURE.md.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let result as CommandExit {
            Foundation.exit(result.status.rawValue)
        } catch let failure as RunFailure {
            FileHandle.standardError.write(Data((failure.message + "\n").utf8))
            Foundation.exit(failure.status.rawValue)
        } catch let diagnostic as Diagnostic {
            FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
            Foundation.exit(ExitStatus.failure.rawValue)
        } catch let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain {
            // Foundation's own text names a domain and a number; say what happened instead.
            FileHandle.standardError.write(Data("tradewatch: error: \(ErrorText.reason(error))\n".utf8))
            Foundation.exit(ExitStatus.failure.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))  // --help, --version
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            // ArgumentParser reports usage errors as 64; our contract says 2.
            Foundation.exit(code == .validationFailure ? ExitStatus.usage.rawValue : ExitStatus.failure.rawValue)
        }
    }
}

/// Thrown by a subcommand after printing its result, to exit with a status other than 0.
struct CommandExit: Error {
    var status: ExitStatus
}

extension TradeWatchCommand {
    /// `tradewatch completion bash|zsh|fish`: the shell completion script, on stdout.
    struct Completion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the shell completion script (bash, zsh or fish).",
            discussion: """
                bash: tradewatch completion bash > /etc/bash_completion.d/tradewatch
                zsh:  tradewatch completion zsh > "${fpath[1]}/_tradewatch"
                fish: tradewatch completion fish > ~/.config/fish/completions/tradewatch.fish
                """)
        @Argument(help: "bash, zsh or fish.")
        var shell: CompletionShell

        func run() throws {
            print(TradeWatchCommand.completionScript(for: shell), terminator: "")
        }
    }
}

extension CompletionShell: ExpressibleByArgument {}
