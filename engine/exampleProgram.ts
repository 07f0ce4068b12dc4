/** An example of `examples/` installed as a user would have it: the packed package plus the compiled program. */
import * as path from "node:path";
import { InstalledProgram, installPackedProgram } from "./installedProgram";
import { runCommand } from "./runCommand";

/**
 * Installs `examples/<name>` from the repository at `repoRoot` (built: `npm run build`) into a temp
 * program directory with the example's own package.json (the package from its packed tarball), then
 * compiles its index.ts to index.js with the example's own tsconfig.json and the TypeScript it installs,
 * as Pulumi's Node.js runtime compiles a program.
 *
 * @throws (rejects) with npm's or tsc's output when installing or compiling fails
 */
export async function installExample(repoRoot: string, name: string): Promise<InstalledProgram> {
    const program = await installPackedProgram({
        packageDir: repoRoot,
        programFiles: path.join(repoRoot, "examples", name),
        keepManifest: true,
    });
    try {
        await compileWithOwnTypeScript(program.dir);
        return program;
    } catch (error) {
        await program.cleanup();
        throw error;
    }
}

/** `tsc -p .` with the program's own TypeScript (its node_modules/.bin/tsc); emits next to the sources. */
async function compileWithOwnTypeScript(programDir: string): Promise<void> {
    const tsc = path.join(programDir, "node_modules", "typescript", "bin", "tsc");
    await runCommand(process.execPath, [tsc, "-p", "."], {
        cwd: programDir,
        timeoutMs: 300_000,
        label: `tsc -p . in ${programDir}`,
    });
}
