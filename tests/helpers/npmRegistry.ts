/**
 * A local npm registry for build tests: Verdaccio, in this process, on 127.0.0.1 at a free port, with a
 * temp storage and no uplink (nothing is ever fetched from the internet), holding the packages the test
 * publishes with the real `npm publish`.
 */
import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { runCommand } from "../../engine/runCommand";

/** A package to publish: its package.json fields and its files (text or bytes, by relative path). */
export interface PackageSpec {
    manifest: Record<string, unknown> & { name: string; version: string };
    files: Record<string, string | Buffer>;
}

/** A running registry. */
export interface NpmRegistry {
    /** e.g. `http://127.0.0.1:41234/` */
    url: string;
    /** Publishes each package with `npm publish`. */
    publish(...packages: PackageSpec[]): Promise<void>;
    close(): Promise<void>;
}

/** Starts Verdaccio with anonymous publishing and no uplinks. */
export async function startNpmRegistry(): Promise<NpmRegistry> {
    const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), "npm-registry-"));
    const configPath = path.join(root, "config.yaml");
    const anyone = { access: "$all", publish: "$all", unpublish: "$all" };
    const configuration = {
        self_path: configPath,
        storage: path.join(root, "storage"),
        uplinks: {},
        packages: { "@*/*": anyone, "**": anyone },
        auth: { htpasswd: { file: path.join(root, "htpasswd"), max_users: -1 } },
        log: { type: "stdout", format: "pretty", level: "fatal" },
        web: { enable: false },
        security: { api: { legacy: true } },
    };
    const { runServer } = require("verdaccio") as {
        runServer: (config: Record<string, unknown>) => Promise<Server>;
    };
    const server = await runServer(configuration);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const host = url.replace(/^http:/, "");
    const userConfig = path.join(root, "npmrc");
    // npm publish wants a token for the registry; Verdaccio lets anyone publish here, so any token does.
    await fs.promises.writeFile(userConfig, `registry=${url}\n${host}:_authToken=test-token\n`);

    return {
        url,
        async publish(...packages: PackageSpec[]) {
            for (const spec of packages) {
                const dir = await fs.promises.mkdtemp(path.join(root, "package-"));
                await fs.promises.writeFile(path.join(dir, "package.json"), JSON.stringify(spec.manifest, null, 2));
                for (const [name, content] of Object.entries(spec.files)) {
                    await fs.promises.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
                    await fs.promises.writeFile(path.join(dir, name), content);
                }
                await runCommand(
                    "npm",
                    ["publish", "--userconfig", userConfig, "--registry", url, "--ignore-scripts"],
                    {
                        cwd: dir,
                        env: { ...process.env, npm_config_userconfig: userConfig },
                        timeoutMs: 120_000,
                        label: `npm publish ${spec.manifest.name}@${spec.manifest.version}`,
                    },
                );
            }
        },
        async close() {
            await new Promise<void>((resolve) => server.close(() => resolve()));
            server.closeAllConnections?.();
            await fs.promises.rm(root, { recursive: true, force: true });
        },
    };
}
