/**
 * Entry point of the emulator's worker thread (see cpuWorker.ts): runs each task it is sent and posts
 * back its result, or the error it threw.
 */
import { parentPort } from "node:worker_threads";
import { archiveFacts } from "../api/zipInspection";
import { parseJsonBody } from "../http/requestBody";

/** The tasks the thread runs, by name. */
const TASKS = { parseJsonBody, archiveFacts };

export type Tasks = typeof TASKS;
export type TaskName = keyof Tasks;

export interface TaskRequest<Name extends TaskName = TaskName> {
    id: number;
    task: Name;
    args: Parameters<Tasks[Name]>;
}

export type TaskReply = { id: number; result: unknown } | { id: number; failure: Error };

parentPort?.on("message", async ({ id, task, args }: TaskRequest) => {
    let reply: TaskReply;
    try {
        reply = { id, result: await (TASKS[task] as (...taskArgs: typeof args) => unknown)(...args) };
    } catch (error) {
        reply = { id, failure: error instanceof Error ? error : new Error(String(error)) };
    }
    parentPort?.postMessage(reply);
});
