"""Every sentence the checks and the grader show, in English, Vietnamese and Chinese.

``text(key, lang, **fields)`` picks one and fills it in. Each entry holds the three languages side by side,
so a missing translation shows up in review (and in the tests).

Chapter: 08.
"""

from __future__ import annotations

from ..editions import LANGS

MESSAGES: dict[str, dict[str, str]] = {
    # ---- the result line of a check -------------------------------------------------------------
    "passed": {
        "en": "✓ Exercise {number} · {function}: all tests passed, {points}/{points} points.",
        "vi": "✓ Bài {number} · {function}: đạt mọi phép kiểm tra, {points}/{points} điểm.",
        "zh": "✓ 练习 {number} · {function}：全部测试通过，{points}/{points} 分。",
    },
    "passed_public": {
        "en": "✓ Exercise {number} · {function}: passes the public tests ({points} points if the grader's tests, "
        "on other inputs, pass too).",
        "vi": "✓ Bài {number} · {function}: đạt các phép kiểm tra công khai ({points} điểm nếu cũng đạt các phép "
        "kiểm tra của chương trình chấm trên dữ liệu khác).",
        "zh": "✓ 练习 {number} · {function}：通过公开测试（若评分程序在其他输入上的测试也通过，得 {points} 分）。",
    },
    "failed": {
        "en": "✗ Exercise {number} · {function}: 0/{points} points. {hint}",
        "vi": "✗ Bài {number} · {function}: 0/{points} điểm. {hint}",
        "zh": "✗ 练习 {number} · {function}：0/{points} 分。{hint}",
    },
    # ---- problems any exercise can have ---------------------------------------------------------
    "not_done": {
        "en": "Not written yet: replace the line `raise NotImplementedError(...)` with your code.",
        "vi": "Chưa làm: hãy thay dòng `raise NotImplementedError(...)` bằng mã của bạn.",
        "zh": "尚未完成：请把 `raise NotImplementedError(...)` 这一行换成你的代码。",
    },
    "missing": {
        "en": "function {function} not found (renamed or deleted?)",
        "vi": "không tìm thấy hàm {function} (đã bị đổi tên hoặc xoá?)",
        "zh": "找不到函数 {function}（是否被改名或删除？）",
    },
    "not_callable": {
        "en": "{function} is defined but is not a function (it is a {kind}). Keep the line `def {function}(...)` of the template.",
        "vi": "{function} có được định nghĩa nhưng không phải là hàm (mà là {kind}). Hãy giữ nguyên dòng `def {function}(...)` của khung bài.",
        "zh": "{function} 已定义，但不是函数（而是 {kind}）。请保留模板中的 `def {function}(...)` 这一行。",
    },
    "raised": {
        "en": "Calling it on the test inputs raised {error}.",
        "vi": "Khi chạy với dữ liệu kiểm tra, hàm báo lỗi {error}.",
        "zh": "用测试输入调用时抛出了异常 {error}。",
    },
    "timeout": {
        "en": "It did not finish within {seconds:g} s (an endless loop?).",
        "vi": "Hàm không chạy xong trong {seconds:g} giây (có vòng lặp vô hạn không?).",
        "zh": "在 {seconds:g} 秒内没有运行完（是否有死循环？）。",
    },
    "not_a_tensor": {
        "en": "It returned {got}, which is not a number or a tensor. Did you forget the `return`?",
        "vi": "Hàm trả về {got}, không phải một số hay một tensor. Bạn có quên câu lệnh `return` không?",
        "zh": "返回值是 {got}，既不是数值也不是张量。是不是忘了 `return`？",
    },
    "wrong_shape": {
        "en": "It returned an array of shape {got}; the expected shape is {expected}.",
        "vi": "Kết quả có kích thước {got}; kích thước đúng phải là {expected}.",
        "zh": "返回结果的形状是 {got}，应为 {expected}。",
    },
    "wrong_value": {
        "en": "On the test inputs it returned {got}; the expected value is {expected}.",
        "vi": "Với dữ liệu kiểm tra, hàm trả về {got}; giá trị đúng là {expected}.",
        "zh": "在测试输入上返回 {got}，正确值为 {expected}。",
    },
    "numpy_in_graph": {
        "en": "It gives the right numbers when run eagerly but fails inside a tf.function, because it uses NumPy "
        "(np.… or .numpy()) on a tensor. Inside a tf.function tensors are symbolic: use TensorFlow operations "
        "instead (tf.matmul, tf.transpose, tf.reduce_sum, tf.clip_by_value …).",
        "vi": "Hàm cho kết quả đúng khi chạy eager nhưng báo lỗi bên trong tf.function, vì nó dùng NumPy "
        "(np.… hoặc .numpy()) trên tensor. Bên trong tf.function, tensor chỉ mang tính ký hiệu (symbolic): "
        "hãy dùng các phép toán của TensorFlow (tf.matmul, tf.transpose, tf.reduce_sum, tf.clip_by_value …).",
        "zh": "即时（eager）执行时结果正确，但在 tf.function 中会出错，因为代码对张量使用了 NumPy（np.… 或 .numpy()）。"
        "tf.function 内部的张量是符号张量：请改用 TensorFlow 运算（tf.matmul、tf.transpose、tf.reduce_sum、"
        "tf.clip_by_value 等）。",
    },
    "graph_error": {
        "en": "It works when run eagerly but fails inside a tf.function: {error}.",
        "vi": "Hàm chạy được ở chế độ eager nhưng báo lỗi bên trong tf.function: {error}.",
        "zh": "即时执行正常，但在 tf.function 中出错：{error}。",
    },
    # ---- exercise 1: Gram matrix ------------------------------------------------------------------
    "gram.transpose_first": {
        "en": "You computed Aᵀ·A, of shape (n_H·n_W, n_H·n_W). The Gram matrix multiplies A by its transpose on the "
        "right, G = A·Aᵀ, of shape (n_C, n_C): one row and one column per channel.",
        "vi": "Bạn đã tính Aᵀ·A, có kích thước (n_H·n_W, n_H·n_W). Ma trận Gram nhân A với chuyển vị của nó ở bên "
        "phải, G = A·Aᵀ, kích thước (n_C, n_C): mỗi kênh ứng với một hàng và một cột.",
        "zh": "你计算的是 Aᵀ·A，形状为 (n_H·n_W, n_H·n_W)。Gram 矩阵是 A 右乘自身的转置，G = A·Aᵀ，"
        "形状为 (n_C, n_C)：每个通道对应一行和一列。",
    },
    "gram.no_transpose": {
        "en": "You forgot the transpose: tf.matmul(A, A) cannot multiply an (n_C, n_H·n_W) matrix by itself. "
        "Use tf.matmul(A, tf.transpose(A)).",
        "vi": "Bạn quên lấy chuyển vị: tf.matmul(A, A) không nhân được ma trận (n_C, n_H·n_W) với chính nó. "
        "Hãy dùng tf.matmul(A, tf.transpose(A)).",
        "zh": "忘了转置：tf.matmul(A, A) 无法把 (n_C, n_H·n_W) 的矩阵与自身相乘。请使用 tf.matmul(A, tf.transpose(A))。",
    },
    "gram.elementwise": {
        "en": "You multiplied element by element (A * A), which keeps the shape of A. The Gram matrix is a matrix "
        "product with the transpose: tf.matmul(A, tf.transpose(A)).",
        "vi": "Bạn đã nhân từng phần tử (A * A), nên kết quả giữ nguyên kích thước của A. Ma trận Gram là tích ma "
        "trận của A với chuyển vị của nó: tf.matmul(A, tf.transpose(A)).",
        "zh": "你做的是逐元素相乘（A * A），结果仍是 A 的形状。Gram 矩阵是 A 与其转置的矩阵乘积："
        "tf.matmul(A, tf.transpose(A))。",
    },
    "gram.normalised": {
        "en": "Your matrix is A·Aᵀ divided by a constant. In this assignment the Gram matrix is not normalised: "
        "G = A·Aᵀ. (Dividing by n_H·n_W is the TF-blog convention of chapter 05; here the normalisation "
        "happens in the style cost.)",
        "vi": "Ma trận của bạn là A·Aᵀ chia cho một hằng số. Trong bài này ma trận Gram không được chuẩn hoá: "
        "G = A·Aᵀ. (Chia cho n_H·n_W là quy ước của bài blog TensorFlow ở chương 05; ở đây việc chuẩn hoá "
        "nằm trong hàm mất mát phong cách.)",
        "zh": "你的结果是 A·Aᵀ 再除以一个常数。本作业中的 Gram 矩阵不做归一化：G = A·Aᵀ。"
        "（除以 n_H·n_W 是第 05 章 TensorFlow 博客的约定；这里的归一化放在风格损失中。）",
    },
    # ---- exercise 2: content cost -----------------------------------------------------------------
    "content.no_normalisation": {
        "en": "Your value is the plain sum of squared differences: divide it by 4·n_H·n_W·n_C.",
        "vi": "Giá trị của bạn mới chỉ là tổng bình phương các hiệu: hãy chia nó cho 4·n_H·n_W·n_C.",
        "zh": "你的结果只是差值的平方和，还要除以 4·n_H·n_W·n_C。",
    },
    "content.mean": {
        "en": "You took the mean of the squared differences (tf.reduce_mean), which divides by n_H·n_W·n_C only: "
        "the factor 4 is missing.",
        "vi": "Bạn đã lấy trung bình các bình phương (tf.reduce_mean), tức là chỉ chia cho n_H·n_W·n_C: "
        "còn thiếu thừa số 4.",
        "zh": "你对平方差取了平均（tf.reduce_mean），相当于只除以 n_H·n_W·n_C，还缺少因子 4。",
    },
    "content.factor_two": {
        "en": "You divided by 2·n_H·n_W·n_C; the assignment's factor is 4: Σ(a_C − a_G)² / (4·n_H·n_W·n_C).",
        "vi": "Bạn đã chia cho 2·n_H·n_W·n_C; thừa số đúng của bài là 4: Σ(a_C − a_G)² / (4·n_H·n_W·n_C).",
        "zh": "你除以的是 2·n_H·n_W·n_C，作业要求的因子是 4：Σ(a_C − a_G)² / (4·n_H·n_W·n_C)。",
    },
    "content.half": {
        "en": "You used ½·Σ(a_C − a_G)², the form from the lecture. The assignment normalises differently: "
        "Σ(a_C − a_G)² / (4·n_H·n_W·n_C).",
        "vi": "Bạn đã dùng ½·Σ(a_C − a_G)², công thức trong bài giảng. Bài tập này chuẩn hoá khác: "
        "Σ(a_C − a_G)² / (4·n_H·n_W·n_C).",
        "zh": "你用的是课程讲义中的 ½·Σ(a_C − a_G)²。本作业的归一化不同：Σ(a_C − a_G)² / (4·n_H·n_W·n_C)。",
    },
    "content.no_square": {
        "en": "The differences are not squared: use tf.square(a_C - a_G) before summing.",
        "vi": "Các hiệu chưa được bình phương: hãy dùng tf.square(a_C - a_G) trước khi lấy tổng.",
        "zh": "差值没有平方：求和之前请先用 tf.square(a_C - a_G)。",
    },
    "content.norm": {
        "en": "tf.norm is the square root of the sum of squares. The cost uses the squared distance: "
        "tf.reduce_sum(tf.square(a_C - a_G)) / (4·n_H·n_W·n_C).",
        "vi": "tf.norm là căn bậc hai của tổng bình phương. Hàm mất mát dùng bình phương khoảng cách: "
        "tf.reduce_sum(tf.square(a_C - a_G)) / (4·n_H·n_W·n_C).",
        "zh": "tf.norm 是平方和的平方根，而损失用的是距离的平方：tf.reduce_sum(tf.square(a_C - a_G)) / (4·n_H·n_W·n_C)。",
    },
    # ---- exercise 3: layer style cost ------------------------------------------------------------
    "layer_style.reshape_order": {
        "en": "You reshaped (1, n_H, n_W, n_C) straight to (n_C, n_H·n_W), which mixes values of different "
        "channels. Reshape to (n_H·n_W, n_C) first, then transpose: "
        "tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C))).",
        "vi": "Bạn đã reshape thẳng (1, n_H, n_W, n_C) thành (n_C, n_H·n_W), làm trộn lẫn giá trị của các kênh "
        "khác nhau. Hãy reshape về (n_H·n_W, n_C) trước rồi mới chuyển vị: "
        "tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C))).",
        "zh": "你把 (1, n_H, n_W, n_C) 直接 reshape 成了 (n_C, n_H·n_W)，这会把不同通道的值混在一起。"
        "应先 reshape 成 (n_H·n_W, n_C)，再转置：tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C)))。",
    },
    "layer_style.no_transpose": {
        "en": "You passed the (n_H·n_W, n_C) matrix to gram_matrix without transposing it, so the Gram matrix has "
        "one row per position instead of one per channel. Transpose it to (n_C, n_H·n_W) first.",
        "vi": "Bạn đưa ma trận (n_H·n_W, n_C) vào gram_matrix mà chưa chuyển vị, nên ma trận Gram có mỗi hàng "
        "ứng với một vị trí thay vì một kênh. Hãy chuyển vị về (n_C, n_H·n_W) trước.",
        "zh": "你把 (n_H·n_W, n_C) 的矩阵直接传给了 gram_matrix，没有转置，于是 Gram 矩阵的每一行对应一个位置，"
        "而不是一个通道。请先转置成 (n_C, n_H·n_W)。",
    },
    "layer_style.no_normalisation": {
        "en": "Your value is the plain sum of squared Gram differences: divide it by 4·n_C²·(n_H·n_W)².",
        "vi": "Giá trị của bạn mới chỉ là tổng bình phương hiệu hai ma trận Gram: hãy chia cho 4·n_C²·(n_H·n_W)².",
        "zh": "你的结果只是两个 Gram 矩阵之差的平方和，还要除以 4·n_C²·(n_H·n_W)²。",
    },
    "layer_style.unsquared_factors": {
        "en": "You divided by 4·n_C·n_H·n_W; both factors are squared in the normaliser: 4·n_C²·(n_H·n_W)².",
        "vi": "Bạn đã chia cho 4·n_C·n_H·n_W; trong mẫu số cả hai thừa số đều được bình phương: 4·n_C²·(n_H·n_W)².",
        "zh": "你除以的是 4·n_C·n_H·n_W；归一化因子中两项都要平方：4·n_C²·(n_H·n_W)²。",
    },
    "layer_style.mean": {
        "en": "You took the mean of the squared Gram differences, which divides by n_C² only. Use the sum divided "
        "by 4·n_C²·(n_H·n_W)².",
        "vi": "Bạn đã lấy trung bình bình phương hiệu hai ma trận Gram, tức là chỉ chia cho n_C². Hãy lấy tổng "
        "rồi chia cho 4·n_C²·(n_H·n_W)².",
        "zh": "你对 Gram 矩阵之差的平方取了平均，相当于只除以 n_C²。应先求和，再除以 4·n_C²·(n_H·n_W)²。",
    },
    "layer_style.no_square": {
        "en": "The Gram differences are not squared: use tf.square(GS - GG) before summing.",
        "vi": "Hiệu hai ma trận Gram chưa được bình phương: hãy dùng tf.square(GS - GG) trước khi lấy tổng.",
        "zh": "Gram 矩阵之差没有平方：求和之前请先用 tf.square(GS - GG)。",
    },
    # ---- exercise 4: style cost over several layers ----------------------------------------------
    "style.no_weights": {
        "en": "You added the layer costs without their weights: multiply each by the weight that comes with its "
        "name in style_layers.",
        "vi": "Bạn đã cộng mất mát của các lớp mà không nhân trọng số: hãy nhân mỗi lớp với trọng số đi kèm tên "
        "của nó trong style_layers.",
        "zh": "你把各层的损失直接相加，没有乘权重：每一层都要乘以 style_layers 中与其名称对应的权重。",
    },
    "style.mean": {
        "en": "You averaged the layer costs. The style cost is the weighted sum Σ λ_l · J_style^[l], with the "
        "weights λ_l given in style_layers.",
        "vi": "Bạn đã lấy trung bình mất mát của các lớp. Mất mát phong cách là tổng có trọng số "
        "Σ λ_l · J_style^[l], với các trọng số λ_l cho trong style_layers.",
        "zh": "你对各层损失取了平均。风格损失是加权和 Σ λ_l · J_style^[l]，权重 λ_l 由 style_layers 给出。",
    },
    "style.last_only": {
        "en": "Only the last layer counts in your result: inside the loop add to J_style (J_style += ...) instead "
        "of overwriting it.",
        "vi": "Kết quả của bạn chỉ tính lớp cuối cùng: trong vòng lặp hãy cộng dồn vào J_style (J_style += ...) "
        "thay vì gán đè.",
        "zh": "你的结果只算了最后一层：循环中应累加到 J_style（J_style += ...），而不是覆盖它。",
    },
    "style.first_only": {
        "en": "Only the first layer counts in your result: is the `return` indented inside the loop?",
        "vi": "Kết quả của bạn chỉ tính lớp đầu tiên: có phải lệnh `return` bị thụt lề vào trong vòng lặp?",
        "zh": "你的结果只算了第一层：`return` 是不是缩进到循环里面去了？",
    },
    "style.uses_global": {
        "en": "Your function looks up the VGG layer names of the global STYLE_LAYERS; use the style_layers "
        "argument it receives (the test passes other layers).",
        "vi": "Hàm của bạn dùng tên các lớp VGG trong biến toàn cục STYLE_LAYERS; hãy dùng tham số style_layers "
        "được truyền vào (phép kiểm tra truyền các lớp khác).",
        "zh": "你的函数用的是全局变量 STYLE_LAYERS 中的 VGG 层名；请使用传入的参数 style_layers（测试会传入别的层）。",
    },
    # ---- exercise 5: total cost ------------------------------------------------------------------
    "total.swapped": {
        "en": "alpha and beta are swapped: J = alpha·J_content + beta·J_style.",
        "vi": "alpha và beta bị đổi chỗ cho nhau: J = alpha·J_content + beta·J_style.",
        "zh": "alpha 和 beta 用反了：J = alpha·J_content + beta·J_style。",
    },
    "total.ignores_args": {
        "en": "Your result ignores the alpha and beta passed in (it is the value for 10 and 40): use the "
        "parameters, not fixed numbers.",
        "vi": "Kết quả của bạn bỏ qua alpha và beta được truyền vào (đó là giá trị ứng với 10 và 40): hãy dùng "
        "các tham số, đừng dùng số cố định.",
        "zh": "你的结果忽略了传入的 alpha 和 beta（得到的是 10 和 40 时的值）：请使用参数，而不是固定的数字。",
    },
    "total.no_weights": {
        "en": "The weights are missing: J = alpha·J_content + beta·J_style.",
        "vi": "Còn thiếu các trọng số: J = alpha·J_content + beta·J_style.",
        "zh": "缺少权重：J = alpha·J_content + beta·J_style。",
    },
    "total.minus": {
        "en": "The two terms are added, not subtracted: J = alpha·J_content + beta·J_style. With a minus sign the "
        "optimiser would push the image away from the style.",
        "vi": "Hai thành phần phải được cộng, không phải trừ: J = alpha·J_content + beta·J_style. Với dấu trừ, "
        "bộ tối ưu sẽ đẩy ảnh ra xa phong cách.",
        "zh": "两项应相加而不是相减：J = alpha·J_content + beta·J_style。若用减号，优化器会把图像推离目标风格。",
    },
    "total.defaults": {
        "en": "Called without alpha and beta it returned {got}; expected {expected}: keep the template's defaults "
        "alpha=10, beta=40.",
        "vi": "Khi gọi không truyền alpha và beta, hàm trả về {got}; giá trị đúng là {expected}: hãy giữ giá trị "
        "mặc định alpha=10, beta=40 của khung bài.",
        "zh": "不传 alpha 和 beta 调用时返回 {got}，正确值为 {expected}：请保留模板中的默认值 alpha=10、beta=40。",
    },
    # ---- exercise 6: train step ------------------------------------------------------------------
    "train.no_tf_function": {
        "en": "The function that make_train_step returns is not a tf.function: keep the @tf.function decorator "
        "above def train_step, so the step is compiled into a graph.",
        "vi": "Hàm mà make_train_step trả về không phải là tf.function: hãy giữ decorator @tf.function phía trên "
        "def train_step để bước huấn luyện được biên dịch thành đồ thị.",
        "zh": "make_train_step 返回的函数不是 tf.function：请保留 def train_step 上方的 @tf.function 装饰器，"
        "让训练步骤被编译成计算图。",
    },
    "train.no_clip": {
        "en": "After the Adam step the image leaves the valid range: clip it in place with "
        "generated_image.assign(tf.clip_by_value(generated_image, PREPROCESSED_MIN, PREPROCESSED_MAX)). "
        "(Re-binding the name, generated_image = ..., does not change the variable.)",
        "vi": "Sau bước Adam, ảnh vượt ra ngoài khoảng giá trị hợp lệ: hãy cắt giá trị ngay trên biến bằng "
        "generated_image.assign(tf.clip_by_value(generated_image, PREPROCESSED_MIN, PREPROCESSED_MAX)). "
        "(Gán lại tên, generated_image = ..., không làm thay đổi biến.)",
        "zh": "Adam 更新之后图像超出了有效范围：请就地裁剪，"
        "generated_image.assign(tf.clip_by_value(generated_image, PREPROCESSED_MIN, PREPROCESSED_MAX))。"
        "（重新绑定名字 generated_image = ... 不会改变变量本身。）",
    },
    "train.wrong_clip": {
        "en": "You clipped to [0, 255] (or [0, 1]), but the image lives in VGG's pre-processed space (BGR, means "
        "subtracted): clip to [PREPROCESSED_MIN, PREPROCESSED_MAX].",
        "vi": "Bạn đã cắt giá trị về [0, 255] (hoặc [0, 1]), nhưng ảnh đang ở không gian đã tiền xử lý của VGG "
        "(BGR, đã trừ giá trị trung bình): hãy cắt về [PREPROCESSED_MIN, PREPROCESSED_MAX].",
        "zh": "你把数值裁剪到了 [0, 255]（或 [0, 1]），但图像处在 VGG 预处理后的空间（BGR，已减去均值）："
        "应裁剪到 [PREPROCESSED_MIN, PREPROCESSED_MAX]。",
    },
    "train.ascent": {
        "en": "The cost goes up: the image moves along the gradient (gradient ascent). Give Adam the gradient "
        "itself, optimizer.apply_gradients([(grad, generated_image)]); the optimiser subtracts it.",
        "vi": "Giá trị mất mát tăng lên: ảnh đang đi theo chiều gradient (gradient ascent). Hãy đưa chính "
        "gradient cho Adam, optimizer.apply_gradients([(grad, generated_image)]); bộ tối ưu sẽ tự trừ nó.",
        "zh": "损失在上升：图像沿梯度方向移动了（梯度上升）。请把梯度本身交给 Adam，"
        "optimizer.apply_gradients([(grad, generated_image)])，优化器会自己减去它。",
    },
    "train.no_update": {
        "en": "The image does not change: take the gradient with tape.gradient(J, generated_image) and apply it "
        "with optimizer.apply_gradients([(grad, generated_image)]).",
        "vi": "Ảnh không thay đổi: hãy tính gradient bằng tape.gradient(J, generated_image) rồi áp dụng bằng "
        "optimizer.apply_gradients([(grad, generated_image)]).",
        "zh": "图像没有变化：请用 tape.gradient(J, generated_image) 求梯度，再用 "
        "optimizer.apply_gradients([(grad, generated_image)]) 更新。",
    },
    "train.ignores_weights": {
        "en": "Your step ignores the alpha and beta given to make_train_step: pass them on, "
        "total_cost(J_content, J_style, alpha, beta).",
        "vi": "Bước huấn luyện của bạn bỏ qua alpha và beta truyền vào make_train_step: hãy truyền tiếp chúng, "
        "total_cost(J_content, J_style, alpha, beta).",
        "zh": "你的训练步骤忽略了传给 make_train_step 的 alpha 和 beta：请把它们传下去，"
        "total_cost(J_content, J_style, alpha, beta)。",
    },
    "train.wrong_value": {
        "en": "After {steps} steps from the start image the costs were {got}; expected {expected}.",
        "vi": "Sau {steps} bước từ ảnh xuất phát, các giá trị mất mát là {got}; giá trị đúng là {expected}.",
        "zh": "从起始图像出发运行 {steps} 步后，损失为 {got}，正确值为 {expected}。",
    },
    "scaled": {
        "en": "Your result is exactly {factor} times the expected value: the normalisation differs. The formula "
        "is {formula}.",
        "vi": "Kết quả của bạn đúng bằng {factor} lần giá trị cần có: cách chuẩn hoá chưa đúng. Công thức là "
        "{formula}.",
        "zh": "你的结果恰好是正确值的 {factor} 倍：归一化方式不对。公式是 {formula}。",
    },
    "scaled_other": {
        "en": "Your result is the expected value times a constant ({factor}): check the factors of the formula, "
        "{formula}.",
        "vi": "Kết quả của bạn bằng giá trị cần có nhân với một hằng số ({factor}): hãy kiểm tra các hệ số của "
        "công thức, {formula}.",
        "zh": "你的结果是正确值乘以一个常数（{factor}）：请检查公式中的系数，{formula}。",
    },
    "shape_only_public": {
        "en": "Right on the public test shape, wrong on inputs of shape {shape} (got {got}, expected {expected}): "
        "read n_H, n_W and n_C from the tensors instead of writing numbers in the code.",
        "vi": "Hàm đúng với kích thước của phép kiểm tra công khai nhưng sai với dữ liệu có kích thước {shape} "
        "(trả về {got}, cần {expected}): hãy lấy n_H, n_W và n_C từ tensor thay vì viết số cố định trong mã.",
        "zh": "在公开测试的形状上正确，但在形状为 {shape} 的输入上错误（得到 {got}，应为 {expected}）："
        "请从张量的形状中读取 n_H、n_W 和 n_C，不要在代码中写死数字。",
    },
    "shape_only_public_error": {
        "en": "Right on the public test shape, but on inputs of shape {shape} it raised {error}: read n_H, n_W and "
        "n_C from the tensors instead of writing numbers in the code.",
        "vi": "Hàm đúng với kích thước của phép kiểm tra công khai, nhưng với dữ liệu có kích thước {shape} thì "
        "báo lỗi {error}: hãy lấy n_H, n_W và n_C từ tensor thay vì viết số cố định trong mã.",
        "zh": "在公开测试的形状上正确，但在形状为 {shape} 的输入上抛出了 {error}：请从张量的形状中读取 n_H、n_W "
        "和 n_C，不要在代码中写死数字。",
    },
    "train.wrong_image": {
        "en": "The costs are right, but after {steps} steps the image differs from the expected one (by up to "
        "{difference}): check the update and the clipping of the image.",
        "vi": "Các giá trị mất mát đều đúng, nhưng sau {steps} bước ảnh khác với ảnh cần có (chênh lệch tới "
        "{difference}): hãy kiểm tra bước cập nhật và việc cắt giá trị của ảnh.",
        "zh": "损失值都正确，但运行 {steps} 步后图像与正确结果不同（最大相差 {difference}）：请检查更新步骤和对图像的裁剪。",
    },
    "train.first_cost": {
        "en": "Already the first cost differs ({got}, expected {expected}), before any update: the targets or the "
        "cost are wrong (content target a_C, style targets a_S, the weights), not the update.",
        "vi": "Ngay giá trị mất mát đầu tiên, khi ảnh chưa được cập nhật lần nào, đã sai ({got}, cần {expected}): "
        "lỗi nằm ở các mục tiêu hoặc ở hàm mất mát (mục tiêu nội dung a_C, mục tiêu phong cách a_S, các trọng "
        "số), không phải ở bước cập nhật.",
        "zh": "还没有做任何更新，第一个损失值就已经不对（得到 {got}，应为 {expected}）：错在目标或损失"
        "（内容目标 a_C、风格目标 a_S、权重），而不在更新步骤。",
    },
    "forbidden": {
        "en": "0 points: the solution uses code it may not ({reason}). Write the exercise with TensorFlow "
        "operations; see the list of allowed helpers in the assignment.",
        "vi": "0 điểm: lời giải dùng mã không được phép ({reason}). Hãy tự viết bài bằng các phép toán của "
        "TensorFlow; xem danh sách hàm trợ giúp được phép dùng trong bài tập.",
        "zh": "0 分：答案使用了不允许的代码（{reason}）。请用 TensorFlow 运算自己完成；允许使用的辅助函数见作业说明。",
    },
    "protocol": {
        "en": "The grading process sent back something the grader does not accept ({detail}).",
        "vi": "Tiến trình chấm gửi về dữ liệu mà chương trình chấm không chấp nhận ({detail}).",
        "zh": "评分进程返回了评分程序不接受的数据（{detail}）。",
    },
    "not_graded": {
        "en": "not graded",
        "vi": "chưa được chấm",
        "zh": "未评分",
    },
    # ---- the grader's notes on a submission ------------------------------------------------------
    "cell_syntax": {
        "en": "code cell {cell} has a syntax error (line {line}: {error})",
        "vi": "ô mã {cell} có lỗi cú pháp (dòng {line}: {error})",
        "zh": "第 {cell} 个代码单元有语法错误（第 {line} 行：{error}）",
    },
    "cell_error": {
        "en": "code cell {cell} raised {error}",
        "vi": "ô mã {cell} báo lỗi {error}",
        "zh": "第 {cell} 个代码单元抛出异常 {error}",
    },
    "cell_timeout": {
        "en": "code cell {cell} did not finish within {seconds:g} s and was stopped",
        "vi": "ô mã {cell} không chạy xong trong {seconds:g} giây nên đã bị dừng",
        "zh": "第 {cell} 个代码单元在 {seconds:g} 秒内没有运行完，已被中止",
    },
    "shell_lines": {
        "en": "code cell {cell}: IPython lines (% or !) were skipped",
        "vi": "ô mã {cell}: các dòng lệnh IPython (% hoặc !) đã được bỏ qua",
        "zh": "第 {cell} 个代码单元：IPython 命令行（% 或 !）已跳过",
    },
    "invalid_notebook": {
        "en": "not a readable notebook: {error}",
        "vi": "không đọc được notebook: {error}",
        "zh": "无法读取的 notebook：{error}",
    },
    "notebook_timeout": {
        "en": "grading was stopped at the time limit ({seconds:g} s)",
        "vi": "việc chấm bài bị dừng khi hết giới hạn thời gian ({seconds:g} giây)",
        "zh": "评分在达到时间上限（{seconds:g} 秒）时被中止",
    },
    "crashed": {
        "en": "the grading process stopped unexpectedly (exit code {code}): {detail}",
        "vi": "tiến trình chấm bài dừng bất thường (mã thoát {code}): {detail}",
        "zh": "评分进程意外退出（退出码 {code}）：{detail}",
    },
    "malformed": {
        "en": "the grading process sent back malformed data; the exercises not yet judged get 0 points",
        "vi": "tiến trình chấm gửi về dữ liệu sai định dạng; các bài chưa được chấm nhận 0 điểm",
        "zh": "评分进程返回了格式错误的数据；尚未评判的练习记 0 分",
    },
    "survivors": {
        "en": "processes {pids} of this submission could not be stopped",
        "vi": "không dừng được các tiến trình {pids} của bài nộp này",
        "zh": "无法终止此提交的进程 {pids}",
    },
    "output_truncated": {
        "en": "the notebook printed too much: the first {kept} bytes were kept, {dropped} more were dropped",
        "vi": "notebook in ra quá nhiều: giữ lại {kept} byte đầu, bỏ đi {dropped} byte còn lại",
        "zh": "notebook 输出过多：保留了前 {kept} 字节，其余 {dropped} 字节已丢弃",
    },
    "duplicate_id": {
        "en": "another notebook has the same student id {student}: check which one is whose",
        "vi": "một notebook khác có cùng mã sinh viên {student}: hãy kiểm tra bài nào của ai",
        "zh": "另一个 notebook 使用了相同的学号 {student}：请核对各自属于谁",
    },
    "feedback_title": {
        "en": "Assignment feedback: {student}",
        "vi": "Nhận xét bài tập: {student}",
        "zh": "作业反馈：{student}",
    },
    "feedback_total": {
        "en": "**Total: {total}/{max_total} points.**",
        "vi": "**Tổng điểm: {total}/{max_total}.**",
        "zh": "**总分：{total}/{max_total}。**",
    },
    "feedback_columns": {
        "en": "exercise | function | points | what to fix",
        "vi": "bài | hàm | điểm | cần sửa gì",
        "zh": "练习 | 函数 | 得分 | 需要修改之处",
    },
    "feedback_notes": {
        "en": "Notes on running your notebook",
        "vi": "Ghi chú khi chạy notebook của bạn",
        "zh": "运行你的 notebook 时的备注",
    },
    "why_lost": {
        "en": "Why points were lost:",
        "vi": "Lý do bị trừ điểm:",
        "zh": "失分原因：",
    },
    "not_reached": {
        "en": "not graded: grading stopped before this exercise",
        "vi": "chưa được chấm: việc chấm đã dừng trước bài này",
        "zh": "未评分：评分在此练习之前已停止",
    },
}


def text(key: str, lang: str = "en", **fields) -> str:
    """The message ``key`` in ``lang`` (``"en"``, ``"vi"`` or ``"zh"``), with ``fields`` filled in."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}.")
    if key not in MESSAGES:
        raise KeyError(f"No message {key!r}.")
    return MESSAGES[key][lang].format(**fields)
