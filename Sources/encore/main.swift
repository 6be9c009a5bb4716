import EncoreExperiments
import Foundation

exit(EncoreCLI.run(Array(CommandLine.arguments.dropFirst())))
