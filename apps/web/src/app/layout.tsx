import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TopBar } from "~/components/top-bar";
import { TooltipProvider } from "~/components/ui/tooltip";
import { TRPCReactProvider } from "~/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Proofboard", template: "%s · Proofboard" },
  description: "Release readiness of UltraCloud branches: lanes, gates, runs and their consoles.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans antialiased">
        <TRPCReactProvider>
          <TooltipProvider>
            <TopBar />
            <main className="px-4 py-3">{children}</main>
          </TooltipProvider>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
