export type ScenarioOptions = {
  /** A scaled-down run (minutes → seconds) to check the harness, not to quote. */
  quick: boolean;
  /** Run Ponder beside stablegate where the scenario compares with it. */
  ponder: boolean;
  /** Write --cpu-prof profiles of the system under test to bench/results/profiles/. */
  profile: boolean;
};

export type Scenario = { name: string; title: string; run(options: ScenarioOptions): Promise<unknown> };
