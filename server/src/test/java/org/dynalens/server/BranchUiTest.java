package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A branched run's page in headless Chromium links to its parent checkpoint and to the diff parent@step vs
 * child@step, which the diff page draws as two runs. Skipped like {@link BrowserUiTest} without a browser.
 */
class BranchUiTest {

    @TempDir
    Path tmp;

    @Test
    void childPageLinksToParentAndDiff() throws Exception {
        if (!Files.isExecutable(BrowserUiTest.CHROMIUM) || !Files.isExecutable(BrowserUiTest.CHROMEDRIVER)) {
            if ("true".equals(System.getenv("CI"))) fail("install chromium chromium-driver");
            Assumptions.abort("chromium and chromium-driver are not installed");
        }
        Archive archive = Archive.open(tmp.resolve("archive"));
        String parent = TrainingRun.train(TrainedRuns.config(Map.of("seed", 0)), archive, new TrainingListener() {
        }, List.of()).id();
        String child = TrainingRun.train(TrainedRuns.config(Map.of("seed", 0, "steps", 10))
                .withParent(parent, 10), archive, new TrainingListener() {
        }, List.of()).id();
        RunIndex index = RunIndex.open(archive.indexDir());
        index.reindex(archive);
        DynalensServer server = TestServer.over(archive, index, TestServer.randomPort());
        Path profile = Files.createTempDirectory(tmp, "chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BrowserUiTest.CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile);
        WebDriver driver = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(BrowserUiTest.CHROMEDRIVER.toFile()).usingAnyFreePort().build(), options);
        try {
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
            String base = "http://127.0.0.1:" + server.port();
            driver.get(base + "/run.html?id=" + child);
            // the page re-renders its header when the live event stream connects: find elements afresh each time
            wait.until(d -> !d.findElements(By.id("parent-link")).isEmpty()
                    && d.findElement(By.id("parent-link")).getText().contains("branched from " + parent + "@10"));
            String toParent = wait.until(d -> d.findElement(By.id("parent-link"))
                    .findElement(By.linkText(parent + "@10")).getAttribute("href"));
            assertTrue(toParent.endsWith("run.html?id=" + parent), toParent);
            String compare = wait.until(d -> d.findElement(By.id("parent-link"))
                    .findElement(By.linkText("compare")).getAttribute("href"));
            driver.get(compare);
            wait.until(d -> d.findElement(By.id("diff-title")).getText().contains("(two runs)"));
            assertTrue(driver.getCurrentUrl().contains(parent) && driver.getCurrentUrl().contains(child));
        } finally {
            driver.quit();
            server.stop();
            index.close();
        }
    }
}
