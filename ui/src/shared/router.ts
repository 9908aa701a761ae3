// Hash routes, one per staff area: #/admin, #/clerk, #/auditor. (The kiosk is a window of
// its own, see main.tsx.)
import { useEffect, useState } from "preact/hooks";

export type Area = "admin" | "clerk" | "auditor";
export const AREAS: readonly Area[] = ["admin", "clerk", "auditor"];
export const DEFAULT_AREA: Area = "admin";

export function parseArea(hash: string): Area {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (AREAS as readonly string[]).includes(name) ? (name as Area) : DEFAULT_AREA;
}

export function hrefOf(area: Area): string {
  return `#/${area}`;
}

/// The area in the address, kept in step with back/forward and links.
export function useArea(): Area {
  const [area, setArea] = useState<Area>(() => parseArea(window.location.hash));
  useEffect(() => {
    const onChange = () => setArea(parseArea(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return area;
}

/// The part of the address after the area (`#/clerk/review/12` → `["review", "12"]`).
export function parseRest(hash: string): string[] {
  return hash.replace(/^#\/?/, "").split("/").slice(1).filter((p) => p.length > 0);
}

/// The address inside an area, kept in step like the area itself.
export function useRest(): string[] {
  const [rest, setRest] = useState<string[]>(() => parseRest(window.location.hash));
  useEffect(() => {
    const onChange = () => setRest(parseRest(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return rest;
}

export function go(area: Area, ...rest: (string | number)[]): void {
  window.location.hash = [hrefOf(area), ...rest.map(String)].join("/");
}
