/**
 * The emulator's worker thread, seen from the event loop. The CPU-heavy steps of a request (parsing a
 * big JSON body and decoding its base64, hashing and reading an archive) run there, so that the event
 * loop keeps answering other clients meanwhile. One per emulator, started on first use, stopped by close().
 */
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { TaskName, TaskReply, TaskRequest, Tasks } from "./cpuWorkerThread";

interface Waiting {
    resolve(result: unknown): void;
    reject(error: Error): void;
}

interface Thread {
    worker: Worker;
    /** The tasks sent to this thread and not answered yet, by id. */
    waiting: Map<number, Waiting>;
}

export class CpuWorker {
    private thread: Thread | undefined;
    private lastId = 0;

    /** Runs `task` on the thread; rejects with what it threw, or when the thread stops first. */
    run<Name extends TaskName>(
        task: Name,
        ...args: Parameters<Tasks[Name]>
    ): Promise<Awaited<ReturnType<Tasks[Name]>>> {
        const thread = (this.thread ??= this.start());
        const id = ++this.lastId;
        return new Promise((resolve, reject) => {
            thread.waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
            const request: TaskRequest<Name> = { id, task, args };
            thread.worker.postMessage(request);
        });
    }

    /** Stops the thread; tasks it has not answered are rejected. */
    async close(): Promise<void> {
        const thread = this.thread;
        this.thread = undefined;
        await thread?.worker.terminate();
    }

    private start(): Thread {
        const thread: Thread = { worker: new Worker(join(__dirname, "cpuWorkerThread.js")), waiting: new Map() };
        let failure: Error | undefined;
        thread.worker.on("message", (reply: TaskReply) => {
            const waiting = thread.waiting.get(reply.id);
            thread.waiting.delete(reply.id);
            if ("failure" in reply) waiting?.reject(reply.failure);
            else waiting?.resolve(reply.result);
        });
        // An error the thread does not catch ends it: its tasks fail with that error, and the next task
        // starts a new thread.
        thread.worker.on("error", (error) => (failure = error));
        thread.worker.on("exit", (code) => {
            if (this.thread === thread) this.thread = undefined;
            const reason = failure ?? new Error(`the emulator's worker thread stopped (exit code ${code})`);
            for (const { reject } of thread.waiting.values()) reject(reason);
            thread.waiting.clear();
        });
        return thread;
    }
}
