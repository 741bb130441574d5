package dev.banger.kit.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.common.v1.Progress;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressCallTest {

  @Test
  void percentCountsStagesEquallyAndBytesWithinAStage() {
    assertEquals(0.0, ProgressCall.percent(0, 4, 0, 0));
    assertEquals(25.0, ProgressCall.percent(1, 4, 0, 0));
    assertEquals(37.5, ProgressCall.percent(1, 4, 50, 100));
    assertEquals(50.0, ProgressCall.percent(1, 4, 150, 100), "never past the stage's share");
    assertEquals(75.0, ProgressCall.percent(3, 4, 0, 0), "the last stage begun");
    assertEquals(-1.0, ProgressCall.percent(-1, 4, 0, 0), "a stage not in the list");
    assertEquals(-1.0, ProgressCall.percent(0, 0, 0, 0), "no stage list");
  }

  @Test
  void toolOutputIsMarkedOnTheStreamAndInTheRegistry() {
    OperationRegistry ops = new OperationRegistry();
    Recording stream = new Recording();
    ProgressCall<Progress> call =
        new ProgressCall<>(
            ops,
            "Pull",
            "x",
            "",
            stream,
            new String[] {"resolve", "bootstrap"},
            p -> p,
            t -> Status.INTERNAL.asRuntimeException());
    StageProgress l = call.listener();
    l.stage("bootstrap", "mmdebstrap bookworm", 0, 0);
    l.toolOutput("bootstrap", "I: downloading packages with apt...");
    assertEquals(2, stream.sent.size());
    Progress sentence = stream.sent.get(0);
    Progress tool = stream.sent.get(1);
    assertFalse(sentence.getToolOutput());
    assertTrue(tool.getToolOutput());
    assertEquals("I: downloading packages with apt...", tool.getMessage());
    assertEquals(2, tool.getStageIndex(), "a tool line still counts for its stage");
    assertEquals(50.0, tool.getPercent());
    assertTrue(tool.hasTime());
    assertEquals(call.operationId(), tool.getOperationId());
    assertTrue(
        ops.get(call.operationId()).orElseThrow().getLastProgress().getToolOutput(),
        "a client that re-attaches sees the flag too");
  }

  /** The call's stream as a list; gRPC's flow-control hooks are not used by ProgressCall. */
  private static final class Recording extends ServerCallStreamObserver<Progress> {
    final List<Progress> sent = new ArrayList<>();

    @Override
    public void onNext(Progress value) {
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void disableAutoInboundFlowControl() {}
  }
}
