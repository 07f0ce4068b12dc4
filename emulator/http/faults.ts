/**
 * Injected faults: a reproducible fraction of API requests answered with a throttle (429
 * TooManyRequestsException) or an internal error (500 ServiceException) before anything is done,
 * so that callers can prove their retries neither duplicate nor lose work.
 */
import { ApiError } from "../api/errors";

/** A seeded pseudo-random sequence in [0, 1): mulberry32, small and good enough for test faults. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * Decides, request by request, whether to fault: the same rate and seed give the same sequence of
 * decisions. Returns the error to answer with, or undefined to serve the request.
 */
export function createFaultInjector(rate: number, seed: number): () => ApiError | undefined {
    const random = seededRandom(seed);
    return () => {
        if (rate <= 0) return undefined;
        const faulted = random() < rate;
        const throttled = random() < 0.5;
        if (!faulted) return undefined;
        return throttled ? throttle() : internalError();
    };
}

/**
 * What Lambda's control plane answers when it throttles a caller. It sends no Retry-After here
 * (that header comes with Invoke throttling), so the SDK backs off by its own strategy.
 */
function throttle(): ApiError {
    return new ApiError("TooManyRequestsException", "Rate exceeded", { Reason: "CallerRateLimitExceeded" });
}

function internalError(): ApiError {
    return new ApiError("ServiceException", "The emulator injected an internal error (fault injection).");
}
