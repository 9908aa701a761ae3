// The member of staff signed in at this window, shared by the staff areas (one session per
// window, held by the backend; after a reload the page asks who it is).
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { StaffDto } from "./bindings";

export interface StaffState {
  staff: StaffDto | null;
  setStaff: (staff: StaffDto | null) => void;
}

export const StaffContext = createContext<StaffState>({ staff: null, setStaff: () => {} });

export function useStaff(): StaffState {
  return useContext(StaffContext);
}
