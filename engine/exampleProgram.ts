/** An example of `examples/` installed as a user would have it: the packed package plus the compiled program. */
import * as fs from "node:fs";
import * as path from "node:path";
import { InstalledProgram, installPackedProgram } from "./installedProgram";

/**
 * Installs `examples/<name>` from the repository at `repoRoot` (built: `npm run build`) into a temp
 * program directory, with its index.ts compiled to index.js as Pulumi's TypeScript support would run it.
 */
export async function installExample(repoRoot: string, name: string): Promise<InstalledProgram> {
    const program = await installPackedProgram({
        packageDir: repoRoot,
        programFiles: path.join(repoRoot, "examples", name),
    });
    await fs.promises.copyFile(
        path.join(repoRoot, "dist", "examples", name, "index.js"),
        path.join(program.dir, "index.js"),
    );
    return program;
}
