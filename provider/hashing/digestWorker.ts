/**
 * Entry point of the helper thread: takes its share of each job it is sent (sharedWork.ts), stat'ing or
 * digesting files into shared memory. It posts nothing back: the calling thread watches the shared
 * counters, and finishes any work this thread leaves.
 */
import { parentPort } from "node:worker_threads";
import { runAsHelper, type HelperMessage } from "./sharedWork";

parentPort?.on("message", (message: HelperMessage) => runAsHelper(message));
