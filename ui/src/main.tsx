import { render } from "preact";
import { App } from "./app";
import { KioskApp } from "./kiosk";
import "./styles.css";

// One page, two windows: the kiosk window loads it with `?window=kiosk` and gets only the
// candidates' screens (its capability file lets it call kiosk commands only anyway).
const root = document.getElementById("app");
const kiosk = new URLSearchParams(window.location.search).get("window") === "kiosk";
if (root) render(kiosk ? <KioskApp /> : <App />, root);
