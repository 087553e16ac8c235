import { NotFoundPanel } from "~/components/ui/not-found-panel";

export default function NotFound() {
  return <NotFoundPanel kind="branch" param="branch" back={{ href: "/", label: "Back to the overview" }} />;
}
