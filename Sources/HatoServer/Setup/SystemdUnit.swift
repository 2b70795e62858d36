// `hato.service`, written by `hato quickstart`: the server runs as its own user from the start,
// with the one capability it needs (binding ports below 1024) and a read-only view of the system
// apart from its data directory. See systemd.exec(5) for each setting.

import Foundation

public struct SystemdUnit: Sendable {
    public var executable: String
    public var configFile: String
    public var dataDirectory: String
    public var user: String

    public init(executable: String, configFile: String, dataDirectory: String, user: String) {
        self.executable = executable
        self.configFile = configFile
        self.dataDirectory = dataDirectory
        self.user = user
    }

    /// systemd manages /var/lib/NAME itself (creates it, gives it to User=) when the data
    /// directory is there.
    var stateDirectory: String? {
        let prefix = "/var/lib/"
        guard dataDirectory.hasPrefix(prefix) else { return nil }
        let name = String(dataDirectory.dropFirst(prefix.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return name.isEmpty ? nil : name
    }

    /// Paths under /home, /root or /run/user stay reachable only without ProtectHome.
    var needsHome: Bool {
        [executable, configFile, dataDirectory].contains { path in
            ["/home/", "/root/", "/run/user/"].contains { path.hasPrefix($0) } || path == "/root"
        }
    }

    public var text: String {
        var service = [
            "Type=notify",
            "ExecStart=\(executable) serve --config \(configFile)",
            "# SIGHUP reloads the certificates (docs/configuration.md, [tls]).",
            "ExecReload=/bin/kill -HUP $MAINPID",
            "Restart=on-failure",
            "RestartSec=5s",
            "User=\(user)",
            "Group=\(user)",
            "# Bind ports below 1024 without being root, and nothing else.",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
            "NoNewPrivileges=yes",
            "# The whole file system read-only except the data directory.",
            "ProtectSystem=strict",
            "ReadWritePaths=\(dataDirectory)",
        ]
        if let stateDirectory {
            service += ["StateDirectory=\(stateDirectory)", "StateDirectoryMode=0750"]
        }
        service += needsHome ? ["# ProtectHome is off: a path above is under a home directory."] : ["ProtectHome=yes"]
        service += [
            "PrivateTmp=yes",
            "PrivateDevices=yes",
            "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes",
            "ProtectKernelLogs=yes",
            "ProtectControlGroups=yes",
            "ProtectClock=yes",
            "ProtectHostname=yes",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "RestrictNamespaces=yes",
            "RestrictRealtime=yes",
            "RestrictSUIDSGID=yes",
            "LockPersonality=yes",
            "SystemCallArchitectures=native",
            "SystemCallFilter=@system-service",
            "UMask=0027",
            "# Connections are file descriptors; hato sizes its limits from this.",
            "LimitNOFILE=65536",
        ]
        return """
            # hato.service, written by `hato quickstart` (docs/deployment.md).
            [Unit]
            Description=Hato mail server
            After=network-online.target
            Wants=network-online.target

            [Service]
            \(service.joined(separator: "\n"))

            [Install]
            WantedBy=multi-user.target

            """
    }
}
