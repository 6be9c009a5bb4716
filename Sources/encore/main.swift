import EncoreExperiments
import Foundation

AllocatorTuning.retainFreedMemory()
exit(EncoreCLI.run(Array(CommandLine.arguments.dropFirst())))
