/// Prints the effective configuration as TOML that `hato` would read back, each key annotated
/// with where its value came from.
public enum ConfigRenderer {
    public static func render(_ config: LoadedConfig) -> String {
        var output = "# Effective configuration (" + (config.file.map { "file \($0)" } ?? "embedded development defaults") + ")\n"
        var currentSection: String? = nil
        for key in ConfigSchema.keys {
            if key.section != currentSection, let section = key.section {
                output += "\n[\(section)]\n"
                currentSection = section
            }
            guard let entry = config.values[key.path] else {
                output += "# \(key.name) is unset\n"
                continue
            }
            // Secrets are never printed: the output is often pasted into bug reports.
            if key.name.hasSuffix("password") {
                output += "# \(key.name) is set (hidden)  # \(entry.source)\n"
                continue
            }
            output += "\(key.name) = \(entry.value)  # \(entry.source)\n"
        }
        return output
    }
}
